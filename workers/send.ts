// Sending a document from the built-in EDMS: register the outgoing card, then start its
// exchanges. Used by `sev send`, the demo and (later) the EDMS's HTTP API.
import { createBuiltinEdms, type CardView } from '../edms/builtin';
import type { TaskInput } from '../edms/builtin/events';
import { syncDirectoryFromConfig } from '../edms/directory';
import { createPrismaClient } from '../prisma/client';
import type { OrganizationConfig, SevConfig } from './config';
import { startOutboundExchanges } from './outbound';
import { connectClient } from './temporal';
import { temporalFor } from './config';

export interface SendDocumentInput {
  kind?: string;
  annotation: string;
  signer?: { name: string; post?: string };
  files: { name: string; content: Buffer }[];
  addresseeSevIndexes: string[];
  /** Resolutions sent with the document; executors may be in the addressees' organizations. */
  tasks?: TaskInput[];
  idempotencyKey?: string;
}

export async function sendDocument(config: SevConfig, org: OrganizationConfig, input: SendDocumentInput) {
  const db = createPrismaClient(org.databaseUrl);
  const client = await connectClient(temporalFor(config, org));
  try {
    await syncDirectoryFromConfig(db, config, org.id);
    const edms = createBuiltinEdms(db);
    await edms.ensureJournals();
    const card = await edms.createOutgoingCard(input);
    const workflowIds = await startOutboundExchanges(client, org, { ...card, annotation: input.annotation });
    return { ...card, workflowIds };
  } finally {
    await client.connection.close();
    await db.$disconnect();
  }
}

/** A card as a person reads it, in Russian (or the whole view as JSON). */
export async function showCard(org: OrganizationConfig, cardId: string, json = false): Promise<string> {
  const db = createPrismaClient(org.databaseUrl);
  try {
    const card = await createBuiltinEdms(db).getCard(cardId);
    return json ? JSON.stringify(card, null, 2) : cardText(card);
  } finally {
    await db.$disconnect();
  }
}

const OUTCOMES: Record<string, string> = {
  reported: 'доклад отправлен',
  notOrdered: 'не заказан корреспондентом',
  refused: 'доклад запрещён правилом',
  subscriptionEnded: 'срок докладов истёк',
  noCorrespondent: 'докладывать некому',
};

/** The card's attributes, tasks with their reports, addressees with their reports in order, and its events. */
export function cardText(card: CardView): string {
  const time = (iso: string) => iso.replace('T', ' ').slice(0, 19);
  const lines = [
    `${card.direction === 'incoming' ? 'Входящий' : 'Исходящий'} № ${card.regNumber ?? '—'} от ${card.regDate ?? '—'} (${card.status}), ${card.kind ?? 'документ'}`,
    `Содержание: ${card.annotation ?? '—'}`,
    ...(card.sender ? [`Корреспондент: ${card.sender.name} (${card.sender.sevIndex}), его № ${card.senderRegNumber ?? '—'} от ${card.senderRegDate ?? '—'}`] : []),
    `UID: ${card.documentUid ?? '—'}; карточка ${card.id}`,
    ...(card.files.length ? ['Файлы:', ...card.files.map((f) => `  • ${f.name} (${f.size} байт)`)] : []),
  ];
  if (card.tasks.length) {
    lines.push('Резолюции:');
    for (const task of card.tasks) {
      lines.push(`  • «${task.text ?? '—'}»${task.deadline ? `, срок ${task.deadline}` : ''}${task.status === 'cancelled' ? ' (снята)' : ''} [${task.uid}]`);
      for (const e of task.executors) {
        lines.push(`      исполнитель: ${e.name}${e.organization ? ` (${e.organization})` : ''}${e.responsible ? ', ответственный' : ''}`);
        for (const r of e.reports) lines.push(`        ${time(r.reportedAt)} отчёт: ${[r.status, r.text].filter(Boolean).join(' — ')}`);
      }
    }
  }
  for (const a of card.addressees) {
    lines.push(`Адресат: ${a.name}${a.sevIndex ? ` (${a.sevIndex})` : ''} — ${a.sendStatus}${a.addresseeRegNumber ? `, у адресата № ${a.addresseeRegNumber} от ${a.addresseeRegDate ?? '—'}` : ''}`);
    for (const r of a.reports) lines.push(`  ${time(r.eventAt ?? r.receivedAt)}  ${r.summary}`);
  }
  if (card.events.length) {
    lines.push('События:');
    for (const e of card.events) lines.push(`  ${time(e.occurredAt)}  ${e.summary}${e.actor ? ` (${e.actor})` : ''} — ${e.outcome ? OUTCOMES[e.outcome] : 'ждёт решения'}`);
  }
  return lines.join('\n');
}
