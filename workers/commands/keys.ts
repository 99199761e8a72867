// `sev keys …`: the organization's signing and decryption keys, and the certificates of the
// participants it trusts. Keys stay in the key store (owner-only files); nothing here prints one.
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { findOrganization, keysDirFor } from '../config';
import { CliError, type CliContext } from './context';

const WARN_DAYS = 30;

export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('ключи и сертификаты организации: подпись и шифрование пакетов');
  const load = async () => ({ ...(await import('../../security/keys')), ...(await import('../../security/organization-keys')) });
  const expiry = (days: number) => (days < 0 ? `ИСТЁК ${-days} дн. назад` : days <= WARN_DAYS ? `истекает через ${days} дн. — пора sev keys rotate` : `действует ещё ${days} дн.`);

  /** A new self-signed key pair made current; `first` refuses when the store already has one. */
  const makeKey = async (opts: { org: string; days: string }, first: boolean) => {
    const config = ctx.config();
    const org = findOrganization(config, opts.org);
    const { keyStoreFor, generateKeyPair } = await load();
    const store = keyStoreFor(config, org);
    const current = first ? await store.current() : undefined;
    if (current) throw new CliError(`у ${org.id} уже есть ключ ${current.fingerprint.slice(0, 16)}…; новый: sev keys rotate`);
    const pair = await store.add(await generateKeyPair({ organization: org.name, sevIndex: org.sevIndex }, positive(opts.days)));
    console.log(`${first ? 'Создан ключ' : 'Текущий ключ'} ${pair.fingerprint} (${pair.subject}), до ${pair.notAfter.toISOString().slice(0, 10)}; хранилище ${keysDirFor(config, org)}.`);
    console.log(`Разошлите участникам сертификат: sev keys export --org ${org.id} --out ${org.id}.pem`);
  };

  for (const [name, description, first] of [
    ['generate', 'создать ключ и самоподписанный сертификат организации (если ключа ещё нет)', true],
    ['rotate', 'создать новый ключ и сделать его текущим; старые остаются для расшифровки', false],
  ] as const) {
    keys
      .command(name)
      .description(description)
      .requiredOption('--org <id>', 'организация')
      .option('--days <n>', 'срок действия сертификата, дней', '365')
      .action((opts: { org: string; days: string }) => makeKey(opts, first));
  }

  keys
    .command('import')
    .description('импортировать ключ (PKCS#8 PEM) и сертификат, выданные удостоверяющим центром, и сделать их текущими')
    .requiredOption('--org <id>', 'организация')
    .requiredOption('--key <file>', 'закрытый ключ, PEM (PKCS#8)')
    .requiredOption('--cert <file>', 'сертификат, PEM')
    .action(async (opts: { org: string; key: string; cert: string }) => {
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { keyStoreFor, KeyStoreError } = await load();
      const [keyPem, certPem] = await Promise.all([readText(opts.key), readText(opts.cert)]);
      const pair = await keyStoreFor(config, org)
        .add({ keyPem, certPem })
        .catch((e: unknown) => {
          throw e instanceof KeyStoreError ? new CliError(e.message, 2) : e;
        });
      console.log(`Импортирован ключ ${pair.fingerprint} (${pair.subject}), ${expiry(Math.floor((pair.notAfter.getTime() - Date.now()) / 86_400_000))}.`);
    });

  keys
    .command('list')
    .description('ключи организации и сертификаты участников, которым она доверяет, со сроками действия')
    .requiredOption('--org <id>', 'организация')
    .action(async (opts: { org: string }) => {
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { keyStoreFor, daysLeft } = await load();
      const own = await keyStoreFor(config, org).all();
      console.log(`Ключи ${org.id} (${keysDirFor(config, org)}):`);
      if (own.length === 0) console.log('  нет: sev keys generate или sev keys import');
      for (const k of own) console.log(`  ${k.current ? '*' : ' '} ${k.fingerprint.slice(0, 16)}…  ${k.subject}  до ${k.notAfter.toISOString().slice(0, 10)} (${expiry(daysLeft(k))})`);
      const { createPrismaClient } = await import('../../prisma/client');
      const db = createPrismaClient(org.databaseUrl);
      try {
        const certificates = await db.certificate.findMany({ include: { organization: true }, orderBy: [{ organizationId: 'asc' }, { validTo: 'desc' }] });
        console.log('Сертификаты участников в справочнике:');
        if (certificates.length === 0) console.log('  нет: sev keys trust');
        for (const c of certificates) {
          const days = Math.floor((c.validTo.getTime() - Date.now()) / 86_400_000);
          console.log(`    ${c.organization.sevIndex}  ${c.fingerprint.slice(0, 16)}…  до ${c.validTo.toISOString().slice(0, 10)} (${c.revokedAt ? 'отозван' : expiry(days)})`);
        }
      } finally {
        await db.$disconnect();
      }
    });

  keys
    .command('export')
    .description('сертификат организации (PEM) для участников обмена; ключ не выводится')
    .requiredOption('--org <id>', 'организация')
    .option('--out <file>', 'записать в файл вместо вывода')
    .action(async (opts: { org: string; out?: string }) => {
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { keyStoreFor } = await load();
      const current = await keyStoreFor(config, org).current();
      if (!current) throw new CliError(`у ${org.id} нет ключа: sev keys generate`);
      if (opts.out) await writeFile(opts.out, current.certPem);
      else process.stdout.write(current.certPem);
    });

  keys
    .command('trust')
    .description('доверять сертификату участника: его подписи принимаются, пакеты ему шифруются для него')
    .requiredOption('--org <id>', 'наша организация')
    .requiredOption('--participant <sevIndex>', 'индекс СЭВ участника в справочнике')
    .requiredOption('--cert <file>', 'сертификат участника, PEM')
    .action(async (opts: { org: string; participant: string; cert: string }) => {
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { trustCertificate } = await load();
      const { createPrismaClient } = await import('../../prisma/client');
      const db = createPrismaClient(org.databaseUrl);
      try {
        const certPem = await readText(opts.cert);
        const result = await trustCertificate(db, opts.participant, certPem).catch((e: Error) => {
          throw new CliError(e.message, 2);
        });
        console.log(`${result.added ? 'Добавлен' : 'Уже был'} сертификат ${result.fingerprint.slice(0, 16)}… участника ${opts.participant}, до ${result.notAfter.toISOString().slice(0, 10)}.`);
      } finally {
        await db.$disconnect();
      }
    });
}

function positive(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new CliError(`--days: целое число от 1 до 3650, получено «${text}»`, 2);
  return n;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`не удалось прочитать ${file}: ${(e as Error).message}`, 2);
  }
}
