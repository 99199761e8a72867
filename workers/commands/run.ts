// `sev worker` runs the Temporal workers of the configured organizations; `sev start` is the
// README's main command: the local stack, the databases, then the workers, until Ctrl+C.
import type { Command } from 'commander';
import type { SevConfig } from '../config';
import { findOrganization } from '../config';
import type { CliContext } from './context';

function selectOrganizations(config: SevConfig, ids: string[] | undefined) {
  return ids && ids.length ? ids.map((id) => findOrganization(config, id)) : config.organizations;
}

async function runWorkersUntilSignal(config: SevConfig, orgIds: string[] | undefined): Promise<void> {
  const { startWorkers } = await import('../worker');
  const orgs = selectOrganizations(config, orgIds);
  const running = await startWorkers(config, orgs);
  const stop = () => {
    console.log('Получен сигнал остановки, завершаю обработчики…');
    running.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const org of orgs) {
    console.log(`Обработчик ${org.id} (${org.shortName}) слушает очередь задач «${org.taskQueue}».`);
  }
  console.log(`Temporal Web UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
  try {
    await running.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function registerRunCommands(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('запустить обработчики (Temporal workers) организаций')
    .option('--org <id...>', 'только эти организации (по умолчанию все из конфигурации)')
    .action(async (opts: { org?: string[] }) => {
      await runWorkersUntilSignal(ctx.config(), opts.org);
    });

  program
    .command('start')
    .description('поднять локальный стенд, применить миграции и запустить СЭВ всех организаций')
    .action(async () => {
      const config = ctx.config();
      const { stackUp } = await import('../../stack');
      await stackUp(config);
      const { migrateAll } = await import('../../prisma/migrate');
      await migrateAll(config);
      await runWorkersUntilSignal(config, undefined);
    });
}
