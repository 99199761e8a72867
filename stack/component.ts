// What every component of the local stack reports, and how the operator sees it.

/** Progress output: one short Russian line per step. */
export type Log = (line: string) => void;

/** A failure the operator can fix: the message names the component and says what to do. */
export class StackError extends Error {
  override name = 'StackError';
}

export interface ComponentStatus {
  /** "Temporal", "PostgreSQL", "Postfix", "Dovecot" (or "SMTP"/"IMAP" for servers we do not run). */
  component: string;
  up: boolean;
  /** Where it answers, e.g. 127.0.0.1:7233. */
  address: string;
  /** When up: useful facts (the Web UI link); when down: what failed and how to fix it. */
  detail: string;
}

export function formatStatusTable(statuses: readonly ComponentStatus[]): string {
  const rows = [
    ['Компонент', 'Состояние', 'Адрес', 'Подробности'],
    ...statuses.map((s) => [s.component, s.up ? 'работает' : 'НЕ РАБОТАЕТ', s.address, s.detail]),
  ];
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row) => row.map((cell, col) => (col < widths.length ? cell.padEnd(widths[col]!) : cell)).join('  ').trimEnd())
    .join('\n');
}

/** The message for `up` when some components failed their health check. */
export function describeFailures(statuses: readonly ComponentStatus[]): string {
  return statuses
    .filter((s) => !s.up)
    .map((s) => `${s.component} (${s.address}): ${s.detail}`)
    .join('\n');
}
