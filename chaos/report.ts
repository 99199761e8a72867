// The tables a chaos run prints: the faults injected and the outcome counts.
import { faultNames, type FaultKind } from './faults';
import { isOff } from './outcome';
import type { ChaosResult } from './run';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, col) => cell.padEnd(widths[col]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export function faultTable(result: ChaosResult): string {
  const kinds = Object.keys(faultNames) as FaultKind[];
  return table([
    ['fault', 'count', 'when (s after first document) and took', 'failed'],
    ...kinds.map((kind) => {
      const done = result.faults.filter((f) => f.kind === kind);
      const when = done.map((f) => `+${Math.round(f.startedMs / 1000)} (${(f.durationMs / 1000).toFixed(0)} s)`).join(', ') || '—';
      return [faultNames[kind], String(done.length), when, String(done.filter((f) => f.error).length)];
    }),
  ]);
}

export function outcomeTable(result: ChaosResult): string {
  return table([
    ['outcome', 'expected', 'actual', ''],
    ...result.outcome.map((row) => [row.what, row.expected === null ? '—' : String(row.expected), String(row.actual), row.expected === null ? '' : isOff(row) ? 'OFF' : 'ok']),
  ]);
}

export function summary(result: ChaosResult): string {
  const lines = [
    `Faults injected (seed ${result.seed}, run ${result.runId}):`,
    faultTable(result),
    ...result.faults.map((f) => `  +${Math.round(f.startedMs / 1000)} s ${f.kind}: ${f.detail}${f.error ? ` — ERROR ${f.error}` : ''}`),
    '',
    `Outcome (${result.settled ? `settled ${Math.round(result.settleMs / 1000)} s after the last document` : 'DID NOT SETTLE'}; ` +
      `total ${Math.round(result.totalMs / 1000)} s; worker processes ${result.workerProcesses}):`,
    outcomeTable(result),
  ];
  for (const exit of result.unexpectedExits) {
    lines.push('', `Worker process #${exit.processNumber} (pid ${exit.pid}) exited by itself at ${exit.at.toISOString()}: code ${exit.code}, signal ${exit.signal}. Log tail:`, exit.logTail);
  }
  for (const fault of result.faults.filter((f) => f.error)) lines.push('', `Fault ${fault.kind} at +${Math.round(fault.startedMs / 1000)} s failed: ${fault.error}`);
  lines.push('', `Logs: ${result.dir} (worker*.log, sev.json)`, result.ok ? 'RESULT: every count as expected' : 'RESULT: counts OFF — see above');
  return lines.join('\n');
}
