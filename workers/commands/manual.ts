// `sev manual`: manual registration (ручная регистрация) of received documents that SEV did not
// register by itself (a possible duplicate, a rule): list what waits, register or reject it.
import type { Command } from 'commander';
import { findOrganization } from '../config';
import { actorOf, CliError, type CliContext } from './context';

interface RegisterOptions {
  org: string;
  number?: string;
  date?: string;
  by?: string;
}

interface RejectOptions {
  org: string;
  reason: string;
  by?: string;
}

export function registerManualCommands(program: Command, ctx: CliContext): void {
  const manual = program.command('manual').description('ручная регистрация полученных документов');

  manual
    .command('list')
    .description('документы, ожидающие ручной регистрации')
    .option('--org <id>', 'только эта организация (по умолчанию все)')
    .action(async (opts: { org?: string }) => {
      const config = ctx.config();
      const orgs = opts.org ? [findOrganization(config, opts.org)] : config.organizations;
      const { formatWaiting, listWaiting } = await import('../manual');
      console.log(formatWaiting(await listWaiting(config, orgs)));
    });

  manual
    .command('register')
    .description('зарегистрировать документ вручную')
    .argument('<workflowIdOrMessageId>', 'идентификатор процесса (sev/<org>/in/<MessageID>) или MessageID')
    .requiredOption('--org <id>', 'организация-получатель')
    .option('--number <N>', 'регистрационный номер (по умолчанию — следующий по журналу)')
    .option('--date <YYYY-MM-DD>', 'дата регистрации (по умолчанию — сегодня)')
    .option('--by <name>', 'кто регистрирует (по умолчанию — пользователь ОС)')
    .action(async (target: string, opts: RegisterOptions) => {
      if (opts.date && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new CliError(`дата должна быть в виде ГГГГ-ММ-ДД: ${opts.date}`, 2);
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { registerManually, resolveWorkflowId } = await import('../manual');
      const workflowId = resolveWorkflowId(org, target);
      const state = await registerManually(config, org, workflowId, {
        ...(opts.number ? { regNumber: opts.number } : {}),
        ...(opts.date ? { regDate: opts.date } : {}),
        by: actorOf(opts.by),
      });
      // The registration asked for could not be made (e.g. the number is taken): it waits for a person again.
      if (!state.registration) throw new CliError(`документ не зарегистрирован: ${state.manual?.reason ?? state.details}`);
      console.log(`Зарегистрирован № ${state.registration.number} от ${state.registration.date} (карточка ${state.registration.cardId}).`);
      console.log(`Процесс: ${workflowId}`);
    });

  manual
    .command('reject')
    .description('отказать в регистрации: корреспонденту уйдёт доклад об отказе')
    .argument('<workflowIdOrMessageId>', 'идентификатор процесса (sev/<org>/in/<MessageID>) или MessageID')
    .requiredOption('--org <id>', 'организация-получатель')
    .requiredOption('--reason <text>', 'причина отказа (её получит корреспондент)')
    .option('--by <name>', 'кто отказывает (по умолчанию — пользователь ОС)')
    .action(async (target: string, opts: RejectOptions) => {
      if (!opts.reason.trim()) throw new CliError('укажите причину отказа (--reason)', 2);
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { rejectManually, resolveWorkflowId } = await import('../manual');
      const workflowId = resolveWorkflowId(org, target);
      const state = await rejectManually(config, org, workflowId, { reason: opts.reason.trim(), by: actorOf(opts.by) });
      console.log(`В регистрации отказано: ${opts.reason.trim()}. Корреспонденту отправлен доклад об отказе (Failure).`);
      console.log(`Процесс: ${workflowId} — ${state.details}`);
    });
}
