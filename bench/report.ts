// The report: the machine, the command, the figures as Markdown tables, printed and written into
// docs/BENCHMARKS.md between markers, so hand-written analysis around them survives a new run.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../workers/config';

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0]!;
  } catch {
    return '—';
  }
}

export function machineDescription(temporalBinary: string | undefined, postgresVersion: string): string[] {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '—';
  const memGb = (os.totalmem() / 2 ** 30).toFixed(1);
  const pkg = (name: string) => {
    try {
      return JSON.parse(readFileSync(path.join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    } catch {
      return '—';
    }
  };
  return [
    `- Процессоры: ${os.availableParallelism()} (nproc), ${cpu}`,
    `- Память: ${memGb} ГБ; ${os.type()} ${os.release()}`,
    `- Node ${process.version}; @temporalio/* ${pkg('@temporalio/worker')}, nodemailer ${pkg('nodemailer')}, imapflow ${pkg('imapflow')}, Prisma ${pkg('@prisma/client')}`,
    `- Temporal: ${temporalBinary ? run(temporalBinary, ['--version']) : '—'} (dev server, SQLite WAL, synchronous=normal)`,
    `- PostgreSQL: ${postgresVersion}; Postfix ${run('postconf', ['-h', 'mail_version'])}; Dovecot ${run('dovecot', ['--version'])}`,
  ];
}

export function table(header: string[], rows: (string | number)[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** Replaces the text between `<!-- bench:<section> -->` markers in docs/BENCHMARKS.md (adds them if missing). */
export function writeSection(section: string, lines: string[]): string {
  const file = path.join(projectRoot, 'docs', 'BENCHMARKS.md');
  const begin = `<!-- bench:${section} -->`;
  const end = `<!-- /bench:${section} -->`;
  const block = [begin, ...lines, end].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const at = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (at >= 0 && stop > at) text = text.slice(0, at) + block + text.slice(stop + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
  return file;
}
