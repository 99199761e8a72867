// Configuration of the Prisma CLI. SEV itself never runs the native migration engine (it applies
// migrations with the WebAssembly engine, see prisma/migrate.ts), so the CLI needs only the schema
// for `prisma generate`. On a machine with the native engine, `DATABASE_URL=<one organization's
// database> npx prisma migrate deploy` applies the same migration folders.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Read here rather than through workers/config.ts: it is the Prisma CLI's own setting, absent in
  // normal operation, where each organization's URL comes from the SEV configuration.
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
