// Row counts of every table of an organization's database, read with plain pg.
import pg from 'pg';

export type RowCounts = Record<string, number>;

export async function countRows(databaseUrl: string): Promise<RowCounts> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name`,
    );
    const counts: RowCounts = {};
    for (const { table_name } of tables.rows) {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table_name}"`);
      counts[table_name] = Number(rows[0]!.n);
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** Rows added per table between two counts, only tables that grew. */
export function rowsAdded(before: RowCounts, after: RowCounts): RowCounts {
  const out: RowCounts = {};
  for (const [table, n] of Object.entries(after)) {
    const d = n - (before[table] ?? 0);
    if (d) out[table] = d;
  }
  return out;
}

export async function queryOne<T extends Record<string, unknown>>(databaseUrl: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows[0]!;
  } finally {
    await client.end();
  }
}
