// `sev worker` runs the workers and mailbox intakes of the configured organizations; `sev demo`
// plays the demo story and stops; `sev start` (the README's main command) plays it and keeps SEV
// running for every organization until Ctrl+C.
import type { Command } from 'commander';
import { findOrganization, type SevConfig } from '../config';
import type { RunningWorkers } from '../worker';
import { CliError, type CliContext } from './context';

async function untilSignal(config: SevConfig, running: RunningWorkers): Promise<void> {
  const stop = () => {
    console.log('Получен сигнал остановки, завершаю обработчики…');
    running.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`СЭВ работает (${config.organizations.map((o) => o.id).join(', ')}); Ctrl+C — остановить.`);
  console.log(`Temporal Web UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
  console.log('Отправить ещё: npx sev send --org <id> --to <индекс СЭВ> --annotation "…" файлы…');
  try {
    await running.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function demo(config: SevConfig): Promise<RunningWorkers> {
  const { runDemo, DemoFailed } = await import('../demo');
  // The story is what the user reads; routine log lines would bury it.
  const { setLogLevel } = await import('../log');
  setLogLevel('warn');
  try {
    return await runDemo(config);
  } catch (e) {
    if (e instanceof DemoFailed) throw new CliError(`демонстрация не удалась: ${e.message}`);
    throw e;
  }
}

export function registerRunCommands(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('запустить обработчики (Temporal workers) и приём почты организаций')
    .option('--org <id...>', 'только эти организации (по умолчанию все из конфигурации)')
    .action(async (opts: { org?: string[] }) => {
      const config = ctx.config();
      const orgs = opts.org?.length ? opts.org.map((id) => findOrganization(config, id)) : config.organizations;
      const { startWorkers } = await import('../worker');
      await untilSignal(config, await startWorkers(config, orgs));
    });

  program
    .command('api')
    .description('HTTP API встроенной СЭД и ручной регистрации')
    .action(async () => {
      const config = ctx.config();
      const { startApiServer } = await import('../api');
      const server = await startApiServer(config);
      console.log(`HTTP API: http://${config.api.host}:${config.api.port}/api/orgs/<организация>/…`);
      await new Promise<void>((resolve) => {
        const stop = () => server.close(() => resolve());
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program
    .command('api-token')
    .description('токены HTTP API')
    .command('create')
    .description('создать токен: он выводится один раз и хранится в файле токенов (права 600)')
    .requiredOption('--name <name>', 'чей токен (попадает в журнал как автор действий)')
    .action(async (opts: { name: string }) => {
      const config = ctx.config();
      const { createApiToken, ApiTokenError } = await import('../../security/api-tokens');
      const token = await createApiToken(config.api.tokensFile, opts.name).catch((e: unknown) => {
        throw e instanceof ApiTokenError ? new CliError(e.message, 2) : e;
      });
      console.log(token);
      console.error(`Токен «${opts.name}» добавлен в ${config.api.tokensFile}; сохраните его: больше он не выводится. Запросы: Authorization: Bearer <токен>.`);
    });

  program
    .command('demo')
    .description('демонстрация: организация А отправляет письмо организации Б и получает доклады')
    .action(async () => {
      const running = await demo(ctx.config());
      running.shutdown();
      await running.done;
    });

  program
    .command('start')
    .description('поднять стенд, показать демонстрацию и оставить СЭВ работать для всех организаций')
    .action(async () => {
      const config = ctx.config();
      const running = await demo(config);
      const { startApiServer } = await import('../api');
      const server = await startApiServer(config);
      console.log(`HTTP API встроенной СЭД: http://${config.api.host}:${config.api.port}/api/orgs/${config.organizations[0]!.id}/cards`);
      try {
        await untilSignal(config, running);
      } finally {
        server.close();
      }
    });
}
