// The Prisma client of one organization's database. Prisma 7 talks to PostgreSQL through a driver
// adapter (node-postgres here) instead of a native query engine. The pool under it is also used
// directly where Prisma would cost too much: the blob store reads and writes bytea in binary.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { ITXClientDenyList } from '@prisma/client/runtime/client';
import { PrismaClient as GeneratedClient, type Message } from './generated/client';

// Models, enums and the Prisma namespace (error classes, input types) for the rest of SEV.
export * from './generated/client';

const clientOptions = { omit: { message: { package: true } } } as const;
/** SEV's Prisma client: the generated one with the columns read only on request left out. */
export type PrismaClient = GeneratedClient<never, typeof clientOptions.omit>;
/** What `db.$transaction(async (tx) => …)` hands its callback. */
export type TransactionClient = Omit<PrismaClient, ITXClientDenyList>;
/** A message row as read by default (without its package manifest). */
export type MessageRow = Omit<Message, 'package'>;

const pools = new WeakMap<PrismaClient, pg.Pool>();

/** A client of the database at `databaseUrl`; the caller disconnects it with `$disconnect()` (which ends its pool). */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  // An idle connection that breaks (the database restarted) leaves the pool; the next query opens
  // another. Without a listener the pool's 'error' would end the process.
  pool.on('error', () => undefined);
  // A message's package manifest (JSON, ≈1 KB) costs Prisma a quarter of a millisecond to read on
  // every row, and an exchange reads and updates its message rows a dozen times: it is read only
  // where asked for (`omit: { package: false }`), as loading a package does.
  const client: PrismaClient = new GeneratedClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true, statementNameGenerator: preparedStatementNames() }), ...clientOptions });
  pools.set(client, pool);
  return client;
}

/** Most statements SEV sends a database; beyond them, statements go unnamed (parsed every time). */
const MAX_PREPARED_STATEMENTS = 1000;

/**
 * Names for Prisma's statements, so that each connection parses and plans a statement once and then
 * only binds and executes it (PostgreSQL's CPU per exchange −15 %, measured by the bench). A query
 * shape is a statement; shapes with lists (`IN ($1, $2, …)`) make a few more, so the names stop at
 * a bound and later shapes go unnamed rather than fill every connection's memory.
 */
export function preparedStatementNames(limit = MAX_PREPARED_STATEMENTS): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < limit) names.set(sql, (name = `sev_${names.size}`));
    return name ?? ''; // node-postgres sends an unnamed statement for an empty name
  };
}

/** The connection pool under a client made by createPrismaClient. */
export function poolOf(db: PrismaClient): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this Prisma client was not made by createPrismaClient (a transaction client has no pool of its own)');
  return pool;
}
