// `sev send`: register an outgoing card in the built-in EDMS with its files and external
// addressees, and start one outbound exchange per addressee. `sev card show` prints a card with
// its addressees' statuses and the reports received.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { findOrganization, temporalFor } from '../config';
import { CliError, type CliContext } from './context';

interface SendOptions {
  org: string;
  to: string[];
  annotation: string;
  kind?: string;
  signer?: string;
  signerPost?: string;
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
      });
      console.log(`Зарегистрирован исходящий № ${result.regNumber} от ${result.regDate} (карточка ${result.cardId}).`);
      for (const id of result.workflowIds) console.log(`  отправка: ${temporalFor(config, org).uiUrl}/namespaces/${temporalFor(config, org).namespace}/workflows/${encodeURIComponent(id)}`);
    });

  program
    .command('card')
    .description('регистрационные карточки встроенной СЭД')
    .command('show')
    .description('показать карточку: реквизиты, файлы, адресаты и их доклады')
    .requiredOption('--org <id>', 'организация')
    .argument('<cardId>', 'идентификатор карточки')
    .action(async (cardId: string, opts: { org: string }) => {
      const config = ctx.config();
      const org = findOrganization(config, opts.org);
      const { showCard } = await import('../send');
      console.log(await showCard(org, cardId));
    });
}
