// The local stack: Temporal's dev server, PostgreSQL databases, Postfix and Dovecot, brought up
// idempotently (whatever already answers is reused), checked, and stopped again.
import { ensureOrganizationKey } from '../security/organization-keys';
import type { SevConfig } from '../workers/config';
import { describeFailures, StackError, type ComponentStatus, type Log } from './component';
import { ensureMail, isLocalMail, mailStatus, stopMail } from './mail';
import { ensureDebianPackages, mailPackages, toolPackages } from './packages';
import { ensurePostgres, postgresStatus, stopPostgres } from './postgres';
import { ensureTemporal, stopTemporal, temporalStatus } from './temporal';

export { formatStatusTable, StackError, type ComponentStatus, type Log } from './component';

/** Installs what is missing, starts what does not answer, and returns every component's health. */
export async function stackUp(config: SevConfig, log: Log = console.log): Promise<ComponentStatus[]> {
  await ensureDebianPackages([...(isLocalMail(config) ? mailPackages : []), ...toolPackages], log);

  // Independent components come up side by side; every failure is reported, not just the first.
  const results = await Promise.allSettled([ensurePostgres(config, log), ensureTemporal(config, log), ensureMail(config, log)]);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  const unexpected = failures.find((e) => !(e instanceof StackError));
  if (unexpected) throw unexpected;
  if (failures.length > 0) throw new StackError(failures.map((e: StackError) => e.message).join('\n'));

  const statuses = await stackStatus(config);
  if (statuses.some((s) => !s.up)) throw new StackError(`Стенд поднят не полностью:\n${describeFailures(statuses)}`);
  // Each organization signs with its own key: the local stack gives one to each that has none.
  for (const org of config.organizations) {
    const { pair, created } = await ensureOrganizationKey(config, org);
    if (created) log(`Ключ подписи ${org.id}: создан самоподписанный сертификат ${pair.fingerprint.slice(0, 16)}…`);
  }
  return statuses;
}

/** Health of every component, without changing anything. */
export async function stackStatus(config: SevConfig): Promise<ComponentStatus[]> {
  const [temporal, postgres, mail] = await Promise.all([temporalStatus(config), postgresStatus(config), mailStatus(config)]);
  return [temporal, postgres, ...mail];
}

/** Stops what the stack started; services it found running are left alone. */
export async function stackDown(config: SevConfig, log: Log = console.log): Promise<void> {
  await stopTemporal(config, log);
  await stopMail(config, log);
  await stopPostgres(config, log);
}
