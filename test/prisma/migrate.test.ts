// Migrations against the real PostgreSQL: each test database has its own random name and is
// dropped at the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPrismaClient, Prisma, type PrismaClient } from '../../prisma/client';
import { dropDatabase, ensureDatabase } from '../../prisma/database';
import {
  migrateAll,
  migrateDatabase,
  migrationsDir,
  OrganizationMigrationError,
  pendingMigrationSql,
  readMigrations,
  schemaDiffSql,
  schemaPath,
  SchemaEngineError,
} from '../../prisma/migrate';
import { loadConfig } from '../../workers/config';

const { adminUrl } = loadConfig().postgres;

/** A URL of a database that does not exist yet, on the configured server. */
function freshDatabaseUrl(purpose: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/sev_test_${purpose}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(databaseUrl: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * What the database's structure is, in a comparable form: columns, indexes, constraints, enums.
 * Orders that depend on history (column positions, enum labels added later) are left out.
 */
async function describeSchema(databaseUrl: string) {
  const notMigrationsTable = "<> '_prisma_migrations'";
  const [columns, indexes, constraints, enums] = await Promise.all([
    query(
      databaseUrl,
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
              character_maximum_length, numeric_precision, datetime_precision
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name ${notMigrationsTable}
        ORDER BY table_name, column_name`,
    ),
    query(
      databaseUrl,
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename ${notMigrationsTable} ORDER BY indexname`,
    ),
    query(
      databaseUrl,
      `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text ${notMigrationsTable}
        ORDER BY 1, 2`,
    ),
    query(
      databaseUrl,
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumlabel) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname ORDER BY 1`,
    ),
  ]);
  return { columns, indexes, constraints, enums };
}

const appliedMigrationsQuery = 'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name';

describe('sev db migrate', () => {
  const databaseUrl = freshDatabaseUrl('migrate');
  let prisma: PrismaClient;

  before(() => {
    prisma = createPrismaClient(databaseUrl);
  });

  after(async () => {
    await prisma.$disconnect();
    await dropDatabase(adminUrl, databaseUrl);
  });

  test('creates the database and applies every migration', async () => {
    const folders = (await readMigrations()).migrationDirectories.map((d) => d.path);
    assert.ok(folders.length > 0, 'prisma/migrations holds no migration');

    const result = await migrateDatabase(adminUrl, databaseUrl);

    assert.deepEqual(result, { createdDatabase: true, applied: folders });
  });

  test('a second run applies nothing and changes nothing', async () => {
    const schemaBefore = await describeSchema(databaseUrl);
    const historyBefore = await query(databaseUrl, appliedMigrationsQuery);

    const result = await migrateDatabase(adminUrl, databaseUrl);

    assert.deepEqual(result, { createdDatabase: false, applied: [] });
    assert.deepEqual(await describeSchema(databaseUrl), schemaBefore);
    assert.deepEqual(await query(databaseUrl, appliedMigrationsQuery), historyBefore);
  });

  test('the client stores an incoming registration card and the message that brought it', async () => {
    const sender = await prisma.organization.create({
      data: { fullName: 'Администрация города Энска', shortName: 'Администрация г. Энска', sevIndex: 'ADMENSK-002' },
    });
    const journal = await prisma.registrationJournal.create({
      data: { code: 'in', name: 'Входящие', direction: 'incoming', suffix: '-вх' },
    });
    const card = await prisma.registrationCard.create({
      data: {
        direction: 'incoming',
        status: 'registered',
        kind: 'Письмо',
        annotation: 'О проведении совещания',
        journalId: journal.id,
        regNumber: '1-вх',
        regDate: new Date('2026-11-27'),
        regYear: 2026,
        regSequence: 1,
        documentUid: 'A1B2C3D4E5F60718293A4B5C6D7E8F90',
        versionUid: '0F1E2D3C4B5A69788796A5B4C3D2E1F0',
        senderDocumentId: '4711',
        senderOrganizationId: sender.id,
        senderRegNumber: '01-15/204',
        senderRegDate: new Date('2026-11-26'),
        signerName: 'Иванов И. И.',
        signerPost: 'Глава администрации',
        files: { create: { name: 'Письмо.pdf', size: 1024, sha256: 'ab'.repeat(32), storagePath: 'files/1/Письмо.pdf' } },
      },
    });
    await prisma.message.create({
      data: {
        direction: 'incoming',
        messageId: 'MSG-0001',
        kind: 'MainDoc',
        status: 'registered',
        peerOrganizationId: sender.id,
        documentUid: card.documentUid,
        versionUid: card.versionUid,
        regNumber: card.senderRegNumber,
        regDate: card.senderRegDate,
        fileHashes: ['ab'.repeat(32)],
        rawStorageKey: 'mime/MSG-0001.eml',
        rawSha256: 'cd'.repeat(32),
        rawSize: 2048,
        cardId: card.id,
      },
    });

    const stored = await prisma.registrationCard.findUniqueOrThrow({
      where: { id: card.id },
      include: { files: true, messages: true, senderOrganization: true, journal: true },
    });
    assert.equal(stored.regNumber, '1-вх');
    assert.equal(stored.regDate?.toISOString().slice(0, 10), '2026-11-27');
    assert.equal(stored.senderOrganization?.sevIndex, 'ADMENSK-002');
    assert.equal(stored.journal?.code, 'in');
    assert.deepEqual(
      stored.files.map((f) => f.name),
      ['Письмо.pdf'],
    );
    assert.deepEqual(
      stored.messages.map((m) => [m.direction, m.messageId, m.status]),
      [['incoming', 'MSG-0001', 'registered']],
    );
  });

  test('a transport duplicate (the same MessageID in the same direction) cannot be recorded twice', async () => {
    const message = { direction: 'incoming', messageId: 'MSG-DUP', kind: 'MainDoc', status: 'received' } as const;
    await prisma.message.create({ data: message });

    await assert.rejects(
      prisma.message.create({ data: message }),
      (e: unknown) => e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002',
    );
    // Our own outgoing message may carry the same id as one we received.
    await prisma.message.create({ data: { ...message, direction: 'outgoing', status: 'sent' } });
    assert.equal(await prisma.message.count({ where: { messageId: 'MSG-DUP' } }), 2);
  });

  test('concurrent registrations take distinct numbers from a journal', async () => {
    const journal = await prisma.registrationJournal.create({
      data: { code: 'out', name: 'Исходящие', direction: 'outgoing' },
    });
    const allocate = async () => {
      const counter = await prisma.journalCounter.upsert({
        where: { journalId_year: { journalId: journal.id, year: 2026 } },
        create: { journalId: journal.id, year: 2026, lastNumber: 1 },
        update: { lastNumber: { increment: 1 } },
      });
      return counter.lastNumber;
    };

    const numbers = await Promise.all(Array.from({ length: 20 }, allocate));

    assert.deepEqual(
      numbers.sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });
});

describe('migrations', () => {
  const databases: string[] = [];
  const freshDatabase = (purpose: string) => {
    const url = freshDatabaseUrl(purpose);
    databases.push(url);
    return url;
  };

  after(async () => {
    for (const url of databases) await dropDatabase(adminUrl, url);
  });

  test('schema.prisma has no change without a migration', async () => {
    assert.equal(await pendingMigrationSql(adminUrl), '', 'run `sev db create-migration <name>`');
  });

  test('the migrations build the database schema.prisma describes', async () => {
    const migrated = freshDatabase('history');
    const direct = freshDatabase('direct');
    await migrateDatabase(adminUrl, migrated);
    await ensureDatabase(adminUrl, direct);
    await query(direct, await schemaDiffSql(adminUrl, null, schemaPath));

    const expected = await describeSchema(direct);
    assert.ok(expected.columns.length > 0 && expected.indexes.length > 0, 'the schema describes no table');
    assert.deepEqual(await describeSchema(migrated), expected);
  });

  test('two runs at once apply each migration once', async () => {
    const databaseUrl = freshDatabase('concurrent');
    await ensureDatabase(adminUrl, databaseUrl);

    const results = await Promise.all([migrateDatabase(adminUrl, databaseUrl), migrateDatabase(adminUrl, databaseUrl)]);

    const folders = (await readMigrations()).migrationDirectories.map((d) => d.path);
    assert.deepEqual(results.flatMap((r) => r.applied).sort(), folders);
    assert.equal((await query(databaseUrl, appliedMigrationsQuery)).length, folders.length);
  });

  test('migrating every organization reports each one and names the one that failed', async () => {
    const reachable = { id: 'org-ok', databaseUrl: freshDatabase('all') };
    // Its database is created through the reachable admin URL; the engine then fails to connect.
    const unreachableUrl = new URL(freshDatabase('all'));
    unreachableUrl.port = '1';
    const unreachable = { id: 'org-down', databaseUrl: unreachableUrl.toString() };
    const reported: string[] = [];

    await assert.rejects(
      migrateAll({ postgres: { adminUrl }, organizations: [reachable, unreachable] }, undefined, (org, result) =>
        reported.push(`${org.id}: ${result.applied.length}`),
      ),
      (e: unknown) => e instanceof OrganizationMigrationError && e.organization.id === 'org-down',
    );
    const folders = (await readMigrations()).migrationDirectories;
    assert.deepEqual(reported, [`org-ok: ${folders.length}`]);
  });

  test('a migration runs whole: semicolons in strings survive, a failure leaves nothing half applied', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sev-migrations-'));
    try {
      await cp(migrationsDir, dir, { recursive: true });
      const addMigration = async (folder: string, sql: string) => {
        await mkdir(path.join(dir, folder));
        await writeFile(path.join(dir, folder, 'migration.sql'), sql);
      };
      await addMigration(
        '29990101000000_journal',
        `INSERT INTO "registration_journals" ("id", "code", "name", "direction", "updated_at")
         VALUES ('0190f000-0000-7000-8000-000000000001', 'in', 'Входящие; основной', 'incoming', now());`,
      );
      await addMigration(
        '29990102000000_broken',
        'CREATE TABLE "half_applied" ("id" INT);\nALTER TABLE "no_such_table" ADD COLUMN "x" INT;\n',
      );
      const databaseUrl = freshDatabase('broken');

      await assert.rejects(migrateDatabase(adminUrl, databaseUrl, dir), (e: unknown) => {
        assert.ok(e instanceof SchemaEngineError);
        assert.match(e.message, /no_such_table/);
        return true;
      });

      assert.deepEqual(await query(databaseUrl, 'SELECT name FROM registration_journals'), [{ name: 'Входящие; основной' }]);
      assert.deepEqual(await query(databaseUrl, "SELECT to_regclass('half_applied') AS t"), [{ t: null }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
