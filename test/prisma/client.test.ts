// SEV's Prisma client: statements prepared once per connection (names per query shape, bounded).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createPrismaClient, poolOf, preparedStatementNames, type PrismaClient } from '../../prisma/client';
import { dropDatabase } from '../../prisma/database';
import { migrateDatabase } from '../../prisma/migrate';
import { loadConfig } from '../../workers/config';

describe('prepared statement names', () => {
  test('one name per statement text, the same each time, none beyond the bound', () => {
    const name = preparedStatementNames(2);
    const a = name({ sql: 'SELECT 1' });
    const b = name({ sql: 'SELECT 2' });
    assert.match(a, /^sev_\d+$/);
    assert.match(b, /^sev_\d+$/);
    assert.notEqual(a, b);
    assert.equal(name({ sql: 'SELECT 1' }), a);
    // The third text is past the bound: unnamed (node-postgres parses it every time).
    assert.equal(name({ sql: 'SELECT 3' }), '');
    assert.equal(name({ sql: 'SELECT 2' }), b);
  });

  describe('against PostgreSQL', () => {
    const { adminUrl } = loadConfig().postgres;
    const url = new URL(adminUrl);
    url.pathname = `/sev_test_prepared_${randomBytes(4).toString('hex')}`;
    const databaseUrl = url.toString();
    let db: PrismaClient;

    before(async () => {
      await migrateDatabase(adminUrl, databaseUrl);
      db = createPrismaClient(databaseUrl);
    });
    after(async () => {
      await db?.$disconnect();
      await dropDatabase(adminUrl, databaseUrl);
    });

    test("a query run twice is prepared once on the connection and still answers each time's values", async () => {
      await db.organization.create({ data: { uid: 'A'.repeat(32), fullName: 'Первая', shortName: 'Первая', sevIndex: 'P-1' } });
      await db.organization.create({ data: { uid: 'B'.repeat(32), fullName: 'Вторая', shortName: 'Вторая', sevIndex: 'P-2' } });
      const first = await db.organization.findUnique({ where: { sevIndex: 'P-1' } });
      const second = await db.organization.findUnique({ where: { sevIndex: 'P-2' } });
      assert.equal(first?.fullName, 'Первая');
      assert.equal(second?.fullName, 'Вторая');
      // Queries one after another reuse the pool's one idle connection; its prepared statements are its own.
      const { rows } = await poolOf(db).query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements');
      const lookups = rows.filter((r) => /^sev_\d+$/.test(r.name) && r.statement.includes('"organizations"') && r.statement.startsWith('SELECT'));
      assert.equal(lookups.length, 1, rows.map((r) => `${r.name}: ${r.statement.slice(0, 80)}`).join('\n'));
    });
  });
});
