// `sev`: the operator's one entry point. Each subcommand group lives in workers/commands/ and
// loads its heavy dependencies lazily, so `sev xml parse` or `sev db generate` never wait for
// Temporal or the Prisma client.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type SevConfig } from './config';
import { registerDbCommands } from './commands/db';
import { registerStackCommands } from './commands/stack';
import { registerXmlCommands } from './commands/xml';
import { registerRunCommands } from './commands/run';
import { registerCardActionCommands, registerSendCommands } from './commands/send';
import { registerManualCommands } from './commands/manual';
import { registerKeyCommands } from './commands/keys';
import { CliError, type CliContext } from './commands/context';
import { StackError } from '../stack/component';

let cached: SevConfig | undefined;
const context: CliContext = {
  config() {
    cached ??= loadConfig();
    return cached;
  },
};

const program = new Command('sev')
  .description('СЭВ — сервер электронного взаимодействия: обмен зарегистрированными документами между организациями')
  .showHelpAfterError()
  .exitOverride();

registerStackCommands(program, context);
registerDbCommands(program, context);
registerXmlCommands(program, context);
registerRunCommands(program, context);
registerSendCommands(program, context);
registerCardActionCommands(program, context);
registerManualCommands(program, context);
registerKeyCommands(program, context);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof ConfigError || err instanceof CliError || err instanceof StackError) {
    // Errors an operator can act on: the message names the setting or component and the fix.
    console.error(`sev: ${err.message}`);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  } else if (isMissingTable(err)) {
    // A database created but never migrated (a new organization, `stack up` without `db migrate`).
    console.error(`sev: в базе данных организации нет таблицы для «${err.meta?.modelName ?? 'данных СЭВ'}»: база не подготовлена. Выполните npx sev db migrate`);
    process.exitCode = 1;
  } else {
    console.error('sev: непредвиденная ошибка:', err);
    process.exitCode = 1;
  }
}

/** Prisma's "table does not exist" (P2021), told by name so that this file loads no Prisma. */
function isMissingTable(err: unknown): err is { meta?: { modelName?: string } } {
  return err instanceof Error && err.name === 'PrismaClientKnownRequestError' && (err as { code?: string }).code === 'P2021';
}
