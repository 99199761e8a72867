// `sev db …`: the organizations' databases. Prisma modules are imported inside the actions:
// `sev db generate` runs from `npm install` before the Prisma client exists.
import type { Command } from 'commander';
import { findOrganization, projectRoot } from '../config';
import { CliError, type CliContext } from './context';

export function registerDbCommands(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('базы данных организаций: миграции и клиент Prisma');

  db.command('migrate')
    .description('создать базы данных организаций, если их нет, и применить к ним миграции')
    .option('--org <id>', 'только эта организация')
    .action(async (options: { org?: string }) => {
      const config = ctx.config();
      const organizations = options.org ? [findOrganization(config, options.org)] : config.organizations;
      const [{ migrateAll, OrganizationMigrationError }, { databaseName, redactUrl }] = await Promise.all([
        import('../../prisma/migrate'),
        import('../../prisma/database'),
      ]);
      await migrateAll(config, organizations, (org, result) => {
        if (result.createdDatabase) console.log(`${org.id}: создана база данных ${databaseName(org.databaseUrl)}`);
        console.log(
          result.applied.length
            ? `${org.id}: применено миграций: ${result.applied.length} (${result.applied.join(', ')})`
            : `${org.id}: схема актуальна, применять нечего`,
        );
      }).catch((e: unknown) => {
        if (!(e instanceof OrganizationMigrationError)) throw e;
        const { organization, cause } = e;
        throw new CliError(`${organization.id}: миграции не применены (${redactUrl(organization.databaseUrl)}): ${errorMessage(cause)}`);
      });
    });

  db.command('generate')
    .description('сгенерировать клиент Prisma в prisma/generated (без базы данных и сети)')
    .action(async () => {
      const [{ execFile }, { promisify }, { fileURLToPath }] = await Promise.all([
        import('node:child_process'),
        import('node:util'),
        import('node:url'),
      ]);
      const prismaCli = fileURLToPath(import.meta.resolve('prisma/build/index.js'));
      try {
        // Output is kept for a failure only: this runs in every `npm install`.
        await promisify(execFile)(process.execPath, [prismaCli, 'generate'], {
          cwd: projectRoot,
          env: {
            ...process.env,
            // Generation never runs the schema engine, but the CLI downloads one first unless it is
            // given an existing file; the download cannot work here.
            PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false',
            // No update check over the network.
            CHECKPOINT_DISABLE: '1',
          },
        });
      } catch (e) {
        const { stdout = '', stderr = '', code } = e as { stdout?: string; stderr?: string; code?: number | string };
        process.stderr.write(stdout + stderr);
        throw new CliError(`prisma generate завершился с ошибкой (код ${code ?? 'неизвестен'})`);
      }
    });

  db.command('create-migration')
    .description('записать изменения prisma/schema.prisma новой миграцией (для разработчиков)')
    .argument('<name>', 'короткое имя миграции латиницей, например add_task_priority')
    .action(async (name: string) => {
      const { createMigration } = await import('../../prisma/migrate');
      const folder = await createMigration(name, ctx.config().postgres.adminUrl).catch((e: unknown) => {
        throw new CliError(`миграция не создана: ${errorMessage(e)}`);
      });
      console.log(
        folder
          ? `создана миграция prisma/migrations/${folder}/migration.sql, снимок схемы обновлён`
          : 'prisma/schema.prisma не менялась после последней миграции: создавать нечего',
      );
    });
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
