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
  const client: PrismaClient = new GeneratedClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), ...clientOptions });
  pools.set(client, pool);
  return client;
}

/** The connection pool under a client made by createPrismaClient. */
export function poolOf(db: PrismaClient): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this Prisma client was not made by createPrismaClient (a transaction client has no pool of its own)');
  return pool;
}
