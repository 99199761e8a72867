// What the mailbox intake does with one mail: store the raw bytes durably and record the message,
// then start its inbound workflow under a business id. Only then may the mail leave the INBOX.
// Every step is safe to repeat: after a crash the same mail comes round again and ends the same.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { cachePackage } from '../activities/package-cache';
import type { IntakeMessageMeta } from '../exchange/intake';
import type { ReadPackage } from '../exchange/package';
import type { MailSender } from '../exchange/smtp';
import type { PrismaClient } from '../prisma/client';
import type { Readable } from 'node:stream';
import { blobChunks, blobHead, getBlob, putBlob, putBlobStream } from '../registry/blobs';
import { manifestOf, manifestOfMessage, readIntoStore, samePackage } from '../registry/packages';
import { recordIncomingMessage, recordQuarantinedMail } from '../registry/messages';
import { inboundWorkflowId, reportArrivedSignal, type InboundMessageInput } from '../workflows/definitions';
import { SevCorrespondent, SevDirection, SevDocNumber, SevMessageId, SevOrganization, SevStatus } from '../workflows/search-attributes';
import { clip, plain } from '../workflows/ui-text';
import type { OrganizationConfig, SevConfig } from './config';
import { keyStoreFor } from '../security/organization-keys';
import { CmsError } from '../security/cms';
import { isSealed, openSealed, openSealedStream } from '../security/smime';
import { logger } from './log';

export interface IntakeDeps {
  config: SevConfig;
  organization: OrganizationConfig;
  db: PrismaClient;
  client: Client;
  mail: MailSender;
}

export type IntakeVerdict = 'Processed' | 'Quarantine';

/** Names the mail in its mailbox for good: the same mail read twice has the same name, a new delivery another. */
export function mailSourceOf(meta: IntakeMessageMeta): string {
  return `${meta.mailbox}/${meta.uidValidity}/${meta.uid}`;
}

export function createIntakeHandler(deps: IntakeDeps): (received: Buffer | Readable, meta: IntakeMessageMeta) => Promise<IntakeVerdict> {
  const { organization: org, db } = deps;
  const log = logger({ org: org.id, component: 'intake' });

  return async function handleMail(received: Buffer | Readable, meta: IntakeMessageMeta): Promise<IntakeVerdict> {
    const mailSource = mailSourceOf(meta);
    // Stored first, as it came (a large mail streamed a chunk at a time): nothing is lost from here on.
    let raw = Buffer.isBuffer(received) ? received : undefined;
    let blob = Buffer.isBuffer(received) ? await putBlob(db, received) : await putBlobStream(db, received);
    // A package encrypted for us is opened first; the package inside is what is stored and read.
    // A small one (it came whole) is opened in memory; a large one streams from the store into it.
    if (isSealed(raw ?? (await blobHead(db, blob.sha256)))) {
      const keys = await keyStoreFor(deps.config, org).all();
      try {
        if (raw) blob = await putBlob(db, (raw = await openSealed(raw, keys)));
        else blob = await putBlobStream(db, openSealedStream(blobChunks(db, blob.sha256), keys));
      } catch (e) {
        // What cannot be opened goes to quarantine; the store or the database failing is retried.
        if (!(e instanceof CmsError)) throw e;
        const reason = `зашифрованное письмо не открывается: ${e.message}`;
        await recordQuarantinedMail(db, { rawSha256: blob.sha256, rawSize: blob.size, reason });
        log.warn('mail quarantined', { reason });
        return 'Quarantine';
      }
    }
    const pkg = await readIntoStore(db, raw ?? blobChunks(db, blob.sha256), org.rules.limits);
    if (!pkg.ok) {
      await recordQuarantinedMail(db, { rawSha256: blob.sha256, rawSize: blob.size, mailMessageId: pkg.mailMessageId, reason: pkg.reason });
      log.warn('mail quarantined', { reason: pkg.reason, code: pkg.code, mailMessageId: pkg.mailMessageId });
      return 'Quarantine';
    }
    // The exchange's steps read this package next: hand them the parsed one.
    cachePackage(blob.sha256, pkg);
    const manifest = manifestOf(pkg);
    const message = pkg.passport.message;
    const { messageId } = message.header;
    const kind = message.kind === 'Report' ? message.header.messageType : message.kind;
    const recorded = await recordIncomingMessage(db, {
      messageId,
      kind,
      rawSha256: blob.sha256,
      rawSize: blob.size,
      mailMessageId: pkg.mailMessageId,
      peerSevIndex: message.header.sender.contact.organization.uid,
      returnId: message.kind === 'Report' ? message.header.returnId : undefined,
      package: manifest,
      mailSource,
    });
    const recordedManifest = recorded.created || recorded.sameContent ? undefined : await manifestOfMessage(db, recorded.row, org.rules.limits);
    if (!recorded.created && !recorded.sameContent && !(recordedManifest && samePackage(recordedManifest, manifest))) {
      await recordQuarantinedMail(db, {
        rawSha256: blob.sha256,
        rawSize: blob.size,
        mailMessageId: pkg.mailMessageId,
        messageId,
        reason: 'MessageID уже получен с другим содержимым',
      });
      log.warn('MessageID repeated with different content', { messageId });
      return 'Quarantine';
    }

    const workflowId = inboundWorkflowId(org.id, messageId);
    // The very mail recorded before, read again: another intake on this mailbox took it first, or
    // a crash came before it left the INBOX. It was answered when it was handled; it is not a
    // new delivery from the sender, so no receipt goes again.
    const readAgain = !recorded.created && recorded.row.mailSource === mailSource;
    const repeated = async () => {
      if (readAgain) {
        log.info('mail read again', { workflowId, messageId, mailSource });
      } else {
        // A new delivery of a message handled before: the receipt already given goes again.
        await resendReceipt(deps, messageId);
        log.info('transport duplicate', { workflowId, messageId });
      }
      return 'Processed' as const;
    };
    if (!recorded.created && recorded.row.status !== 'stored') {
      // Handled before (its workflow may be long gone from Temporal's retention).
      return repeated();
    }
    if (message.kind === 'Report' && (await handOverReport(deps, message.header.returnId, recorded.row.id))) {
      log.info('report handed over to its outbound exchange', { messageId, returnId: message.header.returnId });
      return 'Processed';
    }
    const started = await startInbound(deps, workflowId, { organizationId: org.id, messageRowId: recorded.row.id, messageId, manualReminderMinutes: org.rules.manualReminderMinutes }, pkg);
    if (!started) return repeated();
    log.info('inbound exchange started', { workflowId, messageId, kind });
    return 'Processed';
  };
}

async function startInbound(
  deps: IntakeDeps,
  workflowId: string,
  input: InboundMessageInput,
  pkg: ReadPackage,
): Promise<boolean> {
  const message = pkg.passport.message;
  const sender = message.header.sender.contact.organization.shortName;
  const doc = message.kind === 'Report' ? message.notification.initialDoc : 'documents' in message ? message.documents?.[0] : undefined;
  const number = doc ? ('registrationInfo' in doc ? doc.registrationInfo.number : doc.number) : undefined;
  const date = doc ? ('registrationInfo' in doc ? doc.registrationInfo.date : doc.date) : undefined;
  const what = kindNames[message.kind === 'Report' ? message.header.messageType : message.kind] ?? message.kind;
  try {
    await deps.client.workflow.start('inboundMessageWorkflow', {
      workflowId,
      taskQueue: deps.organization.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: SevOrganization, value: deps.organization.id },
        { key: SevDirection, value: 'in' },
        { key: SevMessageId, value: input.messageId },
        { key: SevCorrespondent, value: clip(sender, 'keyword') },
        { key: SevStatus, value: 'received' },
        ...(number ? [{ key: SevDocNumber, value: clip(number, 'keyword') }] : []),
      ],
      staticSummary: clip(`Входящий: ${what}${number ? ` № ${number}` : ''}${date ? ` от ${date}` : ''} — ${sender}`, 'summary'),
      staticDetails: clip(
        [
          `**Организация:** ${plain(deps.organization.shortName)}`,
          `**Корреспондент:** ${plain(message.header.sender.contact.organization.fullName ?? sender)}`,
          `**MessageID:** ${input.messageId}`,
          `**Письмо:** ${plain(pkg.mailMessageId ?? '—')} от ${plain(pkg.from ?? '—')}`,
          `**Файлы (${pkg.attachments.length}):** ${plain(pkg.attachments.map((a) => a.name).join(', ') || 'нет')}`,
        ].join('\n'),
        'details',
      ),
    });
    return true;
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw e;
  }
}

/**
 * Gives a report to the outbound exchange it answers, while that exchange runs: one signal instead
 * of a workflow per report. A report about an exchange that has ended (or about none) gets its own
 * inbound workflow instead, which stores it on the card or records why it matches nothing.
 */
async function handOverReport(deps: IntakeDeps, returnId: string, messageRowId: string): Promise<boolean> {
  const ours = await deps.db.message.findUnique({
    where: { direction_messageId: { direction: 'outgoing', messageId: returnId } },
    select: { workflowId: true, kind: true },
  });
  if (!ours?.workflowId || ours.kind !== 'MainDoc') return false;
  try {
    await deps.client.workflow.getHandle(ours.workflowId).signal(reportArrivedSignal, { messageRowId });
    return true;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}

/** Sends the Reception report given for a message again, if one was given already. */
async function resendReceipt(deps: IntakeDeps, messageId: string): Promise<void> {
  const receipt = await deps.db.message.findFirst({
    where: { direction: 'outgoing', returnId: messageId, kind: 'Reception', status: 'sent' },
    include: { peerOrganization: true },
  });
  if (!receipt?.rawSha256 || !receipt.peerOrganization?.mailboxAddress) return;
  try {
    await deps.mail.sendRaw({ from: deps.organization.mailbox.address, to: receipt.peerOrganization.mailboxAddress, raw: await getBlob(deps.db, receipt.rawSha256) });
  } catch (e) {
    // Best effort: the duplicate is handled whether or not its receipt goes out again.
    logger({ org: deps.organization.id, component: 'intake' }).warn('receipt not resent', { messageId, error: e });
  }
}

const kindNames: Record<string, string> = {
  MainDoc: 'документ',
  AddToDoc: 'досылка',
  Editing: 'исправление карточки',
  Reception: 'доклад о получении',
  Failure: 'отказ',
  Report: 'доклад',
  SyncInfo: 'справочник',
  SyncReport: 'ответ на синхронизацию справочника',
};
