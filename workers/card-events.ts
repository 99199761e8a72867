// Events of the built-in EDMS on their way into the exchange. An action on a card (CLI, HTTP API)
// is saved with its event first; then the event is signalled to the received document's workflow,
// which decides the report, or — for one of our own documents — a follow-up (AddToDoc, Editing)
// is started for each addressee it was sent to. An answer is also sent to the correspondent.
// Should the signal be lost (Temporal away, a crash between), the worker's sweep signals events
// that are still undecided again; the workflow's steps skip events decided already.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createBuiltinEdms } from '../edms/builtin';
import { applyCardAction, describeCardEvent, undecidedCardEvents, type CardAction, type RecordedCardEvent } from '../edms/builtin/events';
import { createPrismaClient, type PrismaClient } from '../prisma/client';
import { cardEventSignal, followUpWorkflowId, isCardEventKind, type FollowUpInput } from '../workflows/definitions';
import { SevDirection, SevDocUid, SevOrganization } from '../workflows/search-attributes';
import { clip } from '../workflows/ui-text';
import { temporalFor, type OrganizationConfig, type SevConfig } from './config';
import { connectClient } from './temporal';
import { logger } from './log';
import { startOnce, startOutboundExchanges } from './outbound';

export interface CardActionResult {
  event: RecordedCardEvent;
  /** In Russian: where the event went. */
  routed: string;
  workflowIds: string[];
}

/** Applies an action to a card, records its event and hands it to the exchange. */
export async function performCardAction(
  org: OrganizationConfig,
  client: Client,
  db: PrismaClient,
  cardId: string,
  action: CardAction,
  actor: string,
  idempotencyKey?: string,
): Promise<CardActionResult> {
  const event = await applyCardAction(db, cardId, action, actor, idempotencyKey);
  const routed = await dispatchCardEvent(org, client, db, event);
  return { event, ...routed };
}

/** One action from the CLI: its own connections, closed afterwards. */
export async function actOnCard(config: SevConfig, org: OrganizationConfig, cardId: string, action: CardAction, actor: string, idempotencyKey?: string) {
  const db = createPrismaClient(org.databaseUrl);
  const client = await connectClient(temporalFor(config, org));
  try {
    return await performCardAction(org, client, db, cardId, action, actor, idempotencyKey);
  } finally {
    await client.connection.close();
    await db.$disconnect();
  }
}

/** Hands one recorded event to the exchange; safe to repeat. */
export async function dispatchCardEvent(
  org: OrganizationConfig,
  client: Client,
  db: PrismaClient,
  event: RecordedCardEvent,
): Promise<{ routed: string; workflowIds: string[] }> {
  const edms = createBuiltinEdms(db);
  const workflowIds: string[] = [];
  if (event.answerCardId) {
    const answer = await edms.getOutgoingDocument(event.answerCardId);
    workflowIds.push(...(await startOutboundExchanges(client, org, { ...answer, annotation: answer.annotation })));
  }
  if (event.direction === 'incoming') {
    if (!event.inboundWorkflowId) {
      await edms.settleCardEvents([event.eventId], 'noCorrespondent');
      return { routed: 'документ получен не через СЭВ: докладывать некому', workflowIds };
    }
    if (!isCardEventKind(event.kind)) {
      await edms.settleCardEvents([event.eventId], 'notOrdered');
      return { routed: 'о таком событии доклад не предусмотрен', workflowIds };
    }
    try {
      await client.workflow.getHandle(event.inboundWorkflowId).signal(cardEventSignal, { eventId: event.eventId, kind: event.kind });
      workflowIds.unshift(event.inboundWorkflowId);
      return { routed: `передано процессу документа ${event.inboundWorkflowId}`, workflowIds };
    } catch (e) {
      // The document's story is over (the subscription ended): the event stays in the EDMS only.
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      await edms.settleCardEvents([event.eventId], 'subscriptionEnded');
      return { routed: 'срок докладов по документу истёк: доклад не отправляется', workflowIds };
    }
  }
  if (!event.followUp) {
    await edms.settleCardEvents([event.eventId], 'noCorrespondent');
    return { routed: 'событие своего документа: адресатам не отправляется', workflowIds };
  }
  const started = await startFollowUps(client, org, db, event, event.followUp);
  await edms.settleCardEvents([event.eventId], 'noCorrespondent');
  workflowIds.push(...started);
  return { routed: started.length ? `дополнение отправляется адресатам (${started.length})` : 'документ ещё никому не отправлен', workflowIds };
}

/** One follow-up workflow per addressee the document went to; the same change never goes twice. */
async function startFollowUps(client: Client, org: OrganizationConfig, db: PrismaClient, event: RecordedCardEvent, kind: 'AddToDoc' | 'Editing'): Promise<string[]> {
  const card = await db.registrationCard.findUniqueOrThrow({
    where: { id: event.cardId },
    include: { addressees: { where: { sendStatus: { in: ['sent', 'received', 'registered'] } }, include: { organization: true } } },
  });
  const ids: string[] = [];
  for (const addressee of card.addressees) {
    if (!addressee.organization || !card.documentUid) continue;
    const input: FollowUpInput = {
      organizationId: org.id,
      cardId: card.id,
      addresseeId: addressee.id,
      documentUid: card.documentUid,
      addresseeSevIndex: addressee.organization.sevIndex,
      addresseeName: addressee.name,
      kind,
      changeId: event.eventId,
      what: event.summary,
    };
    const workflowId = followUpWorkflowId(org.id, card.documentUid, input.addresseeSevIndex, event.eventId);
    await startOnce(client, org, 'outboundFollowUpWorkflow', workflowId, input, {
      typedSearchAttributes: [
        { key: SevOrganization, value: org.id },
        { key: SevDirection, value: 'out' },
        { key: SevDocUid, value: card.documentUid },
      ],
      staticSummary: clip(`${kind === 'Editing' ? 'Исправление' : 'Дополнение'}: исходящий № ${card.regNumber ?? '—'} → ${addressee.name}`, 'summary'),
      staticDetails: clip(event.summary, 'details'),
    });
    ids.push(workflowId);
  }
  return ids;
}

/** Signals again the events that stayed undecided for a while (a lost signal); run periodically by the worker. */
export async function sweepCardEvents(org: OrganizationConfig, client: Client, db: PrismaClient, olderThanMs = 60_000): Promise<number> {
  const log = logger({ org: org.id, component: 'card-events' });
  const stale = await undecidedCardEvents(db, new Date(Date.now() - olderThanMs));
  for (const row of stale) {
    try {
      await dispatchCardEvent(org, client, db, await describeCardEvent(db, row.id));
    } catch (e) {
      log.warn('card event not handed over; the next sweep tries again', { eventId: row.id, error: (e as Error).message });
    }
  }
  return stale.length;
}

/** The sweep of one organization, every `intervalMs`, until stopped. */
export function startCardEventSweep(org: OrganizationConfig, client: Client, db: PrismaClient, intervalMs = 60_000): { stop(): void } {
  const timer = setInterval(() => {
    void sweepCardEvents(org, client, db).catch((e) => logger({ org: org.id, component: 'card-events' }).warn('sweep failed', { error: (e as Error).message }));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
