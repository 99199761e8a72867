// `sev stack up | down | status`: the local stack (Temporal dev server, PostgreSQL databases,
// Postfix and Dovecot). stack/ is imported inside the actions: npm's postinstall runs this CLI
// before anyone needs Temporal or the mail libraries.
import type { Command } from 'commander';
import { CliError, type CliContext } from './context';

export function registerStackCommands(program: Command, ctx: CliContext): void {
  const stack = program.command('stack').description('локальный стенд: Temporal, PostgreSQL, Postfix и Dovecot');

  stack
    .command('up')
    .description('установить недостающее, запустить и проверить компоненты (повторный запуск ничего не ломает)')
    .action(async () => {
      const config = ctx.config();
      const { stackUp, formatStatusTable } = await import('../../stack');
      const started = Date.now();
      const statuses = await stackUp(config);
      console.log(`\n${formatStatusTable(statuses)}\n\nСтенд готов за ${((Date.now() - started) / 1000).toFixed(1)} с.`);
    });

  stack
    .command('down')
    .description('остановить то, что запустил стенд; чужие серверы не трогает')
    .action(async () => {
      const config = ctx.config();
      const { stackDown } = await import('../../stack');
      await stackDown(config);
    });

  stack
    .command('status')
    .description('состояние компонентов; код выхода 0, только если все работают')
    .action(async () => {
      const config = ctx.config();
      const { stackStatus, formatStatusTable } = await import('../../stack');
      const statuses = await stackStatus(config);
      console.log(formatStatusTable(statuses));
      const down = statuses.filter((s) => !s.up).map((s) => s.component);
      if (down.length > 0) throw new CliError(`не работают: ${down.join(', ')} — запустите sev stack up`);
    });
}
