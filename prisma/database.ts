// Creating an organization's database on a PostgreSQL server, idempotently.
import pg from 'pg';

/** The database name of a postgresql:// URL. */
export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Database name "${name}" in ${redactUrl(databaseUrl)} must be a plain identifier (letters, digits, _)`);
  }
  return name;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}

/** Creates the database of `databaseUrl` through the server's maintenance database unless it exists. Returns true when created. */
export async function ensureDatabase(adminUrl: string, databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } catch (e) {
      // Another process created it between the check and CREATE: that is the state we wanted.
      if ((e as { code?: string }).code === '42P04') return false;
      throw e;
    }
    return true;
  } finally {
    await client.end();
  }
}

/** Drops a database if it exists (tests only). */
export async function dropDatabase(adminUrl: string, databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
