// Mail: Postfix (SMTP in) hands the organizations' mail to Dovecot over LMTP; SEV reads it over IMAP.
// Both run as plain daemons from configuration generated in <stateDir>/mail. Mail servers
// configured elsewhere are only health-checked.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { imapOptions, smtpOptions } from '../exchange/tls';
import type { SevConfig } from '../workers/config';
import { StackError, type ComponentStatus, type Log } from './component';
import {
  dovecotConf,
  dovecotUsers,
  mergeMailboxes,
  parseDovecotUsers,
  mailboxes,
  mailLayout,
  postfixMainCf,
  postfixMasterCf,
  postfixVirtualMailboxes,
  type MailLayout,
  type MailUser,
} from './mail-config';
import { isLocalHost, isRoot, portAnswers, readGreeting, run, runningPid, runToLog, tailFile, waitUntil, writeIfChanged } from './process';

const postfixCommand = '/usr/sbin/postfix';
const dovecotCommand = '/usr/sbin/dovecot';
const doveadmCommand = '/usr/bin/doveadm';
const mailUserName = 'sevmail';
const startTimeoutMs = 20_000;
/** Folders SEV moves handled mail into; Dovecot creates them (auto = subscribe). */
const sevFolders = ['Processed', 'Quarantine'];

export function isLocalMail(config: SevConfig): boolean {
  return isLocalHost(config.mail.smtp.host) && isLocalHost(config.mail.imap.host);
}

/** One of the two daemons, as `ensureMail` and `stopMail` drive them. */
interface Daemon {
  name: string;
  host: string;
  port: number;
  log: string;
  isRunning(): Promise<boolean>;
  start(): Promise<void>;
  reload(): Promise<void>;
  stop(): Promise<void>;
  /** Why it does not serve yet, or undefined when it does. */
  problem(): Promise<string | undefined>;
}

function postfix(config: SevConfig, layout: MailLayout): Daemon {
  const dir = layout.postfixConfigDir;
  const control = async (action: string) => {
    const code = await runToLog(postfixCommand, ['-c', dir, action], layout.daemonLog);
    // `postfix start` says nothing when it fails: the reason is in its maillog_file.
    if (code !== 0) {
      throw new StackError(
        `Postfix: postfix -c ${dir} ${action} завершился с кодом ${code} — см. журнал ${layout.postfixLog}:\n${tailFile(layout.postfixLog)}`,
      );
    }
  };
  return {
    name: 'Postfix',
    host: config.mail.smtp.host,
    port: config.mail.smtp.port,
    log: layout.postfixLog,
    isRunning: async () => existsSync(path.join(dir, 'main.cf')) && (await run(postfixCommand, ['-c', dir, 'status'])).code === 0,
    start: () => control('start'),
    reload: () => control('reload'),
    stop: () => control('stop'),
    problem: () => smtpProblem(config),
  };
}

function dovecot(config: SevConfig, layout: MailLayout): Daemon {
  const control = async (command: string, args: string[]) => {
    const code = await runToLog(command, args, layout.daemonLog);
    if (code !== 0) {
      throw new StackError(
        `Dovecot: ${path.basename(command)} ${args.join(' ')} завершился с кодом ${code} — см. журналы ${layout.daemonLog} и ${layout.dovecotLog}:\n` +
          tailFile(layout.daemonLog),
      );
    }
  };
  return {
    name: 'Dovecot',
    host: config.mail.imap.host,
    port: config.mail.imap.port,
    log: layout.dovecotLog,
    isRunning: async () => runningPid(path.join(layout.dovecotBaseDir, 'master.pid')) !== undefined,
    start: () => control(dovecotCommand, ['-c', layout.dovecotConfig]),
    reload: () => control(doveadmCommand, ['-c', layout.dovecotConfig, 'reload']),
    stop: () => control(doveadmCommand, ['-c', layout.dovecotConfig, 'stop']),
    problem: async () => (await imapProblem(config, true)) ?? (await lmtpProblem(config)),
  };
}

export async function ensureMail(config: SevConfig, log: Log): Promise<void> {
  if (!isLocalMail(config)) {
    const problem = (await smtpProblem(config)) ?? (await imapProblem(config));
    if (problem) throw new StackError(`Почта: ${problem} — проверьте настройки SEV_SMTP_* и SEV_IMAP_*`);
    log(`Почта: серверы ${config.mail.smtp.host}:${config.mail.smtp.port} и ${config.mail.imap.host}:${config.mail.imap.port} отвечают`);
    return;
  }
  const layout = mailLayout(config.stateDir);
  const changed = await prepareMailFiles(config, layout, log);
  // Dovecot first: Postfix delivers into it.
  await ensureDaemon(dovecot(config, layout), changed.dovecot, log);
  await ensureDaemon(postfix(config, layout), changed.postfix, log);
}

async function ensureDaemon(daemon: Daemon, configChanged: boolean, log: Log): Promise<void> {
  const address = `${daemon.host}:${daemon.port}`;
  if (await daemon.isRunning()) {
    if (configChanged) {
      await daemon.reload();
      log(`${daemon.name}: конфигурация изменилась — перечитал (${address})`);
    } else {
      log(`${daemon.name}: уже работает на ${address} — использую его`);
    }
  } else if (await portAnswers(daemon.host, daemon.port)) {
    log(`${daemon.name}: на ${address} уже отвечает сервер, запущенный не этим стендом — использую его`);
  } else {
    requireRoot(daemon.name);
    log(`${daemon.name}: запускаю на ${address}…`);
    await daemon.start();
  }
  let lastProblem: string | undefined;
  const ready = await waitUntil(async () => (lastProblem = await daemon.problem()) === undefined, { timeoutMs: startTimeoutMs, intervalMs: 300 });
  if (!ready.ok) throw new StackError(`${daemon.name} не отвечает на ${address} (${lastProblem ?? ready.reason}) — см. журнал ${daemon.log}`);
}

function requireRoot(what: string): void {
  if (!isRoot()) throw new StackError(`${what}: запускать почтовые демоны может только root — выполните sev stack up от root`);
}

/** Writes the daemons' configuration and folders; says which daemon's configuration changed. */
async function prepareMailFiles(config: SevConfig, layout: MailLayout, log: Log): Promise<{ postfix: boolean; dovecot: boolean }> {
  const served = existsSync(layout.dovecotUsers) ? parseDovecotUsers(readFileSync(layout.dovecotUsers, 'utf8')) : [];
  const boxes = mergeMailboxes(served, mailboxes(config, layout));
  // Only root writes here; a non-root `up` can still reuse daemons that root started.
  if (!isRoot()) return { postfix: false, dovecot: false };

  const user = await ensureMailUser(log);
  ensureTraversable(layout.dir);
  mkdirSync(layout.postfixQueueDir, { recursive: true });
  ownedDirectory(layout.postfixDataDir, await systemUser('postfix'), 0o700);
  ownedDirectory(layout.mailboxesDir, { uid: 0, gid: 0 }, 0o755);
  for (const box of boxes) ownedDirectory(box.home, user, 0o700);

  const tlsChanged = config.mail.tls.enabled ? await ensureMailCertificates(config, layout, log) : false;
  const postfixChanged = [
    tlsChanged,
    writeIfChanged(path.join(layout.postfixConfigDir, 'main.cf'), postfixMainCf(config, layout)),
    writeIfChanged(path.join(layout.postfixConfigDir, 'master.cf'), postfixMasterCf(config)),
    writeIfChanged(layout.virtualMailboxes, postfixVirtualMailboxes(boxes)),
  ].some(Boolean);

  // The users file holds passwords: readable by root and Dovecot's auth process only.
  const usersChanged = writeIfChanged(layout.dovecotUsers, dovecotUsers(boxes), 0o640);
  chownSync(layout.dovecotUsers, 0, (await systemUser('dovecot')).gid);
  const confChanged = writeIfChanged(layout.dovecotConfig, dovecotConf(config, layout, user)) || tlsChanged;

  return { postfix: postfixChanged, dovecot: usersChanged || confChanged };
}

function ownedDirectory(dir: string, owner: { uid: number; gid: number }, mode: number): void {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, mode);
}

/**
 * Postfix's and Dovecot's workers run as their own users and must reach the state folder: a parent
 * closed to others (such as /root) makes Postfix fail with "open lock file: Permission denied".
 */
function ensureTraversable(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (let current = dir; ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new StackError(
        `Почта: папка ${current} закрыта для пользователей postfix и dovecot — укажите SEV_STATE_DIR в доступном месте ` +
          `(например /var/lib/sev) или выполните chmod o+x ${current}`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const result = await run('getent', ['passwd', name]);
  if (result.code !== 0) return undefined;
  const fields = result.stdout.trim().split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const user = await lookupUser(name);
  if (!user) throw new StackError(`Почта: нет системного пользователя ${name} — переустановите пакеты ${name === 'postfix' ? 'postfix' : 'dovecot-core'}`);
  return user;
}

/** The dedicated owner of the mailboxes, created on first use. */
async function ensureMailUser(log: Log): Promise<MailUser> {
  let user = await lookupUser(mailUserName);
  if (!user) {
    const args = ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', mailUserName];
    const result = await run('useradd', args);
    // 9: created meanwhile by a concurrent run.
    if (result.code !== 0 && result.code !== 9) throw new StackError(`Почта: не удалось создать пользователя ${mailUserName}: ${result.stderr.trim()}`);
    log(`Почта: создан системный пользователь ${mailUserName}`);
    user = await systemUser(mailUserName);
  }
  return { name: mailUserName, ...user };
}

/**
 * A throwaway certificate authority of the local stack and the mail servers' certificate signed by
 * it (for their addresses, localhost and mail.<domain>), made once with OpenSSL; clients trust that CA
 * (mail.tls.caFile defaults to it). Returns true when they were made now.
 */
async function ensureMailCertificates(config: SevConfig, layout: MailLayout, log: Log): Promise<boolean> {
  const file = (name: string) => path.join(layout.tlsDir, name);
  if (existsSync(file('ca.pem')) && existsSync(file('server.pem')) && existsSync(file('server.key'))) return false;
  mkdirSync(layout.tlsDir, { recursive: true, mode: 0o755 });
  const openssl = async (args: string[]) => {
    const result = await run('openssl', args);
    if (result.code !== 0) throw new StackError(`TLS: openssl ${args[0]} не выполнен: ${result.stderr.trim() || result.stdout.trim()}`);
  };
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '3650', '-subj', '/CN=SEV local stack CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=mail.${config.mail.domain}`]);
  const ips = [...new Set(['127.0.0.1', config.mail.smtp.host, config.mail.imap.host].filter((h) => /^\d+\.\d+\.\d+\.\d+$/.test(h)))];
  const names = [...ips.map((ip) => `IP:${ip}`), 'DNS:localhost', `DNS:mail.${config.mail.domain}`];
  writeIfChanged(file('server.ext'), `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '825', '-extfile', file('server.ext')]);
  for (const key of ['ca.key', 'server.key']) chmodSync(file(key), 0o600);
  chmodSync(file('ca.pem'), 0o644);
  log(`Почта: TLS — создан удостоверяющий центр стенда ${file('ca.pem')} и сертификат серверов`);
  return true;
}

async function smtpProblem(config: SevConfig): Promise<string | undefined> {
  const transport = nodemailer.createTransport({ ...smtpOptions(config), connectionTimeout: 3000, greetingTimeout: 3000, socketTimeout: 5000 });
  try {
    await transport.verify(); // greeting and EHLO
    return undefined;
  } catch (e) {
    return `SMTP: ${(e as Error).message}`;
  } finally {
    transport.close();
  }
}

/** Logs in to every organization's mailbox; on the local Dovecot also expects SEV's folders. */
async function imapProblem(config: SevConfig, expectSevFolders = false): Promise<string | undefined> {
  for (const org of config.organizations) {
    const client = new ImapFlow({
      ...imapOptions(config),
      auth: { user: org.mailbox.user, pass: org.mailbox.password },
      logger: false,
      verifyOnly: true,
      includeMailboxes: expectSevFolders,
      connectionTimeout: 3000,
      greetingTimeout: 3000,
      socketTimeout: 5000,
    });
    client.on('error', () => undefined); // reported through connect()'s rejection
    try {
      await client.connect();
    } catch (e) {
      const error = e as Error & { responseText?: string };
      return `IMAP: вход в ящик ${org.mailbox.user} (${org.id}) не удался: ${error.responseText ?? error.message}`;
    }
    const folders = new Set((client.mailboxList ?? []).map((box) => box.path));
    const missing = expectSevFolders ? sevFolders.filter((name) => !folders.has(name)) : [];
    if (missing.length > 0) return `IMAP: в ящике ${org.mailbox.user} нет папок ${missing.join(', ')}`;
  }
  return undefined;
}

async function lmtpProblem(config: SevConfig): Promise<string | undefined> {
  const greeting = await readGreeting('127.0.0.1', config.mail.lmtpPort);
  return greeting?.startsWith('220') ? undefined : `LMTP 127.0.0.1:${config.mail.lmtpPort} не отвечает`;
}

/** Stops the daemons the stack runs from its own configuration; anything else on the ports is left alone. */
export async function stopMail(config: SevConfig, log: Log): Promise<void> {
  if (!isLocalMail(config)) {
    log('Почта: серверы не на этой машине — не трогаю');
    return;
  }
  const layout = mailLayout(config.stateDir);
  for (const daemon of [postfix(config, layout), dovecot(config, layout)]) {
    if (!(await daemon.isRunning())) {
      log(`${daemon.name}: не запущен стеком`);
      continue;
    }
    await daemon.stop();
    const stopped = await waitUntil(async () => !(await daemon.isRunning()) && !(await portAnswers(daemon.host, daemon.port)), {
      timeoutMs: startTimeoutMs,
    });
    if (!stopped.ok) throw new StackError(`${daemon.name} не остановился (${stopped.reason}) — см. журнал ${daemon.log}`);
    log(`${daemon.name}: остановлен`);
  }
}

export async function mailStatus(config: SevConfig): Promise<ComponentStatus[]> {
  const local = isLocalMail(config);
  const layout = mailLayout(config.stateDir);
  const { smtp, imap, lmtpPort, domain } = config.mail;
  const [smtpFailure, imapFailure] = await Promise.all([
    smtpProblem(config),
    imapProblem(config, local).then(async (problem) => problem ?? (local ? lmtpProblem(config) : undefined)),
  ]);
  const fix = (log: string, settings: string) => (local ? `см. журнал ${log}, запустите sev stack up` : `проверьте ${settings}`);
  return [
    {
      component: local ? 'Postfix' : 'SMTP',
      address: `${smtp.host}:${smtp.port}`,
      up: smtpFailure === undefined,
      detail: smtpFailure ? `${smtpFailure} — ${fix(layout.postfixLog, 'SEV_SMTP_*')}` : `домен ${domain}${local ? `, доставка в Dovecot по LMTP :${lmtpPort}` : ''}`,
    },
    {
      component: local ? 'Dovecot' : 'IMAP',
      address: `${imap.host}:${imap.port}`,
      up: imapFailure === undefined,
      detail: imapFailure
        ? `${imapFailure} — ${fix(layout.dovecotLog, 'SEV_IMAP_* и пароли ящиков')}`
        : `ящики: ${config.organizations.map((org) => org.mailbox.user).join(', ')}`,
    },
  ];
}
