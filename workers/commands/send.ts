// `sev send`: register an outgoing card in the built-in EDMS with its files and external
// addressees, and start one outbound exchange per addressee. `sev card show` prints a card with
// its addressees' statuses and the reports received.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { findOrganization, temporalFor } from '../config';
import type { CardAction } from '../../edms/builtin/events';
import { actorOf, CliError, type CliContext } from './context';

interface SendOptions {
  org: string;
  to: string[];
  annotation: string;
  kind?: string;
  signer?: string;
  signerPost?: string;
  task?: string;
  executor?: string[];
  deadline?: string;
}

/** «ФИО@ИНДЕКС» names an executor in the participant with that SEV index; «ФИО» one of ours. */
function parseExecutor(text: string, responsible: boolean) {
  const at = text.lastIndexOf('@');
  const name = (at > 0 ? text.slice(0, at) : text).trim();
  const organization = at > 0 ? text.slice(at + 1).trim() : undefined;
  if (!name) throw new CliError(`исполнитель «${text}»: укажите ФИО`, 2);
  return { name, ...(organization && { organization }), responsible };
}

export function registerSendCommands(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description('зарегистрировать исходящий документ во встроенной СЭД и отправить его внешним адресатам')
    .requiredOption('--org <id>', 'организация-отправитель')
    .requiredOption('--to <sevIndex...>', 'индексы СЭВ адресатов из справочника участников')
    .requiredOption('--annotation <text>', 'краткое содержание')
    .option('--kind <kind>', 'вид документа', 'Письмо')
    .option('--signer <fio>', 'кто подписал')
    .option('--signer-post <post>', 'должность подписавшего')
    .option('--task <text>', 'резолюция (поручение) к документу')
    .option('--executor <fio@index...>', 'исполнители резолюции: «ФИО@ИНДЕКС_СЭВ» для исполнителя другой организации; первый — ответственный')
    .option('--deadline <YYYY-MM-DD>', 'срок исполнения резолюции')
    .argument('[files...]', 'файлы документа')
    .action(async (files: string[], opts: SendOptions) => {
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const contents = await Promise.all(
        files.map(async (file) => {
          try {
            return { name: path.basename(file), content: await readFile(file) };
          } catch (e) {
            throw new CliError(`не удалось прочитать файл ${file}: ${(e as Error).message}`, 2);
          }
        }),
      );
      const { sendDocument } = await import('../send');
      const result = await sendDocument(config, org, {
        kind: opts.kind,
        annotation: opts.annotation,
        signer: opts.signer ? { name: opts.signer, post: opts.signerPost } : undefined,
        files: contents,
        addresseeSevIndexes: opts.to,
        ...(opts.task && {
          tasks: [{ text: opts.task, executors: (opts.executor ?? []).map((e, i) => parseExecutor(e, i === 0)), ...(opts.deadline && { deadline: opts.deadline }) }],
        }),
      });
      console.log(`Зарегистрирован исходящий № ${result.regNumber} от ${result.regDate} (карточка ${result.cardId}).`);
      for (const id of result.workflowIds) console.log(`  отправка: ${temporalFor(config, org).uiUrl}/namespaces/${temporalFor(config, org).namespace}/workflows/${encodeURIComponent(id)}`);
    });

  const card = program.command('card').description('регистрационные карточки встроенной СЭД: просмотр и действия, о которых узнают корреспонденты');
  card
    .command('show')
    .description('показать карточку: реквизиты, файлы, адресаты и их доклады')
    .requiredOption('--org <id>', 'организация')
    .option('--json', 'вся карточка в JSON')
    .argument('<cardId>', 'идентификатор карточки')
    .action(async (cardId: string, opts: { org: string; json?: boolean }) => {
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { showCard } = await import('../send');
      console.log(await showCard(org, cardId, opts.json));
    });
}

/** `sev card forward|task|redirect|answer|attach|edit`: actions on a registered card, reported to the correspondent as ordered. */
export function registerCardActionCommands(program: Command, ctx: CliContext): void {
  const card = program.commands.find((c) => c.name() === 'card');
  if (!card) throw new Error('register the card command first');
  const act = async (opts: { org: string; by?: string; key?: string }, cardId: string, action: CardAction) => {
    const config = ctx.config();
    const org = findOrganization(config, opts.org);
    const { actOnCard } = await import('../card-events');
    const { event, routed, workflowIds } = await actOnCard(config, org, cardId, action, actorOf(opts.by), opts.key);
    console.log(`${event.repeated ? 'Уже записано' : 'Записано'}: ${event.summary} (событие ${event.eventId}); ${routed}.`);
    for (const id of workflowIds) console.log(`  процесс: ${temporalFor(config, org).uiUrl}/namespaces/${temporalFor(config, org).namespace}/workflows/${encodeURIComponent(id)}`);
  };
  const common = (c: Command) =>
    c
      .requiredOption('--org <id>', 'организация')
      .option('--by <name>', 'кто выполняет действие (по умолчанию — пользователь системы)')
      .option('--key <key>', 'ключ идемпотентности: повтор с тем же ключом ничего не добавит')
      .argument('<cardId>', 'идентификатор карточки');

  common(card.command('forward').description('передать документ на рассмотрение внутри организации'))
    .requiredOption('--to <fio>', 'кому')
    .option('--post <post>', 'должность')
    .option('--department <name>', 'подразделение')
    .action((cardId: string, o: { org: string; by?: string; key?: string; to: string; post?: string; department?: string }) =>
      act(o, cardId, { type: 'forward', to: o.to, post: o.post, department: o.department }),
    );
  common(card.command('redirect').description('направить документ дальше (в другую организацию)'))
    .requiredOption('--to <sevIndex|name>', 'индекс СЭВ участника или название организации')
    .option('--delivery <type>', 'способ доставки', 'СЭВ')
    .action((cardId: string, o: { org: string; by?: string; key?: string; to: string; delivery: string }) => act(o, cardId, { type: 'redirect', to: o.to, delivery: o.delivery }));
  common(card.command('answer').description('зарегистрировать ответ на полученный документ и отправить его корреспонденту'))
    .requiredOption('--annotation <text>', 'краткое содержание ответа')
    .option('--kind <kind>', 'вид документа', 'Письмо')
    .action((cardId: string, o: { org: string; by?: string; key?: string; annotation: string; kind: string }) =>
      act(o, cardId, { type: 'answer', annotation: o.annotation, kind: o.kind }),
    );
  common(card.command('attach').description('добавить файл к карточке (свой документ — дослать адресатам)'))
    .requiredOption('--file <path>', 'файл')
    .action(async (cardId: string, o: { org: string; by?: string; key?: string; file: string }) => {
      const content = await readFile(o.file).catch((e: Error) => {
        throw new CliError(`не удалось прочитать файл ${o.file}: ${e.message}`, 2);
      });
      await act(o, cardId, { type: 'addFile', name: path.basename(o.file), contentBase64: content.toString('base64') });
    });
  common(card.command('edit').description('исправить карточку (свой документ — отправить исправление адресатам)'))
    .option('--annotation <text>', 'краткое содержание')
    .option('--note <text>', 'примечание')
    .action((cardId: string, o: { org: string; by?: string; key?: string; annotation?: string; note?: string }) => act(o, cardId, { type: 'edit', annotation: o.annotation, note: o.note }));

  const task = card.command('task').description('резолюции (поручения) карточки и отчёты об их исполнении');
  common(task.command('add').description('вынести резолюцию'))
    .requiredOption('--text <text>', 'текст резолюции')
    .requiredOption('--executor <fio@index...>', 'исполнители: «ФИО» своей организации или «ФИО@ИНДЕКС_СЭВ»; первый — ответственный')
    .option('--deadline <YYYY-MM-DD>', 'срок исполнения')
    .option('--author <fio>', 'автор резолюции')
    .action((cardId: string, o: { org: string; by?: string; key?: string; text: string; executor: string[]; deadline?: string; author?: string }) =>
      act(o, cardId, { type: 'addTask', text: o.text, executors: o.executor.map((e, i) => parseExecutor(e, i === 0)), deadline: o.deadline, author: o.author }),
    );
  common(task.command('edit').description('изменить резолюцию'))
    .requiredOption('--task <uid>', 'поручение: UID, TaskID или идентификатор')
    .option('--text <text>', 'новый текст')
    .option('--deadline <YYYY-MM-DD>', 'новый срок')
    .action((cardId: string, o: { org: string; by?: string; key?: string; task: string; text?: string; deadline?: string }) =>
      act(o, cardId, { type: 'editTask', task: o.task, text: o.text, deadline: o.deadline }),
    );
  common(task.command('delete').description('удалить (снять) резолюцию'))
    .requiredOption('--task <uid>', 'поручение: UID, TaskID или идентификатор')
    .action((cardId: string, o: { org: string; by?: string; key?: string; task: string }) => act(o, cardId, { type: 'deleteTask', task: o.task }));
  common(task.command('report').description('отчёт исполнителя об исполнении поручения'))
    .requiredOption('--task <uid>', 'поручение: UID, TaskID или идентификатор')
    .requiredOption('--executor <fio>', 'исполнитель, как он назван в поручении')
    .requiredOption('--text <text>', 'текст отчёта')
    .option('--status <status>', 'состояние исполнения, например «Исполнено»')
    .action((cardId: string, o: { org: string; by?: string; key?: string; task: string; executor: string; text: string; status?: string }) =>
      act(o, cardId, { type: 'reportExecution', task: o.task, executor: o.executor, text: o.text, status: o.status }),
    );
}
