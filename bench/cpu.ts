// CPU time by part of the stack, read from /proc: what an exchange costs where (the workers of
// each organization, the Temporal server, PostgreSQL, the mail servers, this process playing the
// EDMS). A snapshot before and after a phase; the difference divided by the exchanges is the bill.
import { readdirSync, readFileSync } from 'node:fs';

export type CpuSnapshot = Map<string, number>;

const TICKS_PER_SECOND = 100;

/** The servers' parts of the stack, by the names the CPU bill gives them. */
export const SERVER = { temporal: 'Temporal', postgres: 'PostgreSQL', postfix: 'Postfix', dovecot: 'Dovecot' } as const;
export const MAIL_SERVERS = [SERVER.postfix, SERVER.dovecot];
export const ALL_SERVERS = Object.values(SERVER);

/** CPU seconds of the named parts together (0 for a part the bill has not seen). */
export function cpuOf(cpu: Record<string, number>, parts: readonly string[]): number {
  return parts.reduce((sum, part) => sum + (cpu[part] ?? 0), 0);
}

function partOf(pid: number, comm: string, args: string): string | undefined {
  if (pid === process.pid) return 'замер (СЭД А)';
  const worker = /sev\.mjs worker --org (\S+)/.exec(args);
  if (worker) return `обработчик СЭВ ${worker[1]}`;
  if (args.includes('bench/engine-worker')) return 'обработчик движка';
  const skeleton = /bench\/skeleton-worker\.ts (\S+)/.exec(args);
  if (skeleton) return `обработчик скелета ${skeleton[1]}`;
  if (comm === 'temporal' || args.includes('temporal server')) return SERVER.temporal;
  if (comm === 'postgres') return SERVER.postgres;
  // Every Dovecot process names itself in its command line (`dovecot/imap`, `dovecot/lmtp`…).
  if (args.includes('dovecot')) return SERVER.dovecot;
  if (/^(master|smtpd|qmgr|pickup|cleanup|trivial-rewrite|lmtp|smtp|postlogd|local|bounce|proxymap)$/.test(comm)) return SERVER.postfix;
  return undefined;
}

/**
 * CPU seconds used so far by each part (user + system, the process's threads and its waited-for
 * children). Processes that ended between two snapshots are lost from the difference — fine for
 * the long-lived servers this bills; short-lived ones (a Postfix `cleanup`) are counted while alive.
 */
export function cpuSnapshot(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let stat: string, args: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // After the comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    const ticks = Number(fields[11]) + Number(fields[12]);
    const part = partOf(pid, comm, args);
    if (!part) continue;
    out.set(part, (out.get(part) ?? 0) + ticks / TICKS_PER_SECOND);
  }
  return out;
}

/** CPU seconds each part used between two snapshots (a process new since `before` counts whole). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [part, s] of after) out.set(part, Math.max(0, s - (before.get(part) ?? 0)));
  return out;
}

/** Seconds per unit of work (a workflow, an exchange), by part. */
export function perUnit(spent: Map<string, number>, units: number): Record<string, number> {
  return Object.fromEntries([...spent].filter(([, s]) => s > 0).map(([part, s]) => [part, s / units]));
}
