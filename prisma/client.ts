// The Prisma client of one organization's database. Prisma 7 talks to PostgreSQL through a driver
// adapter (node-postgres here) instead of a native query engine.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

// Models, enums and the Prisma namespace (error classes, input types) for the rest of SEV.
export * from './generated/client';

/** A client of the database at `databaseUrl`; the caller disconnects it with `$disconnect()`. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}
