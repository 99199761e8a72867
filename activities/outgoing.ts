// Activities that send: the package of an outgoing card to one addressee, and reports to the
// correspondent of a received document. Each builds its package once under a deterministic
// MessageID, stores it (blob + registry row) and then sends those stored bytes, so a retry after a
// crash sends the very same mail again and never a different one.
import type { Readable } from 'node:stream';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { buildMessage } from '../codec/build';
import { composePackageStream } from '../exchange/package';
import { blobStream, putBlob, putBlobStream } from '../registry/blobs';
import { deterministicGuid, mailMessageIdFor, recordOutgoingMessage, setMessageStatus } from '../registry/messages';
import type { MessageKind, MessageRow } from '../prisma/client';
import type { DocInfoMessage, ReportMessage, Task } from '../codec/types';
import type { OutgoingDocument } from '../edms/adapter';
import { CmsError, signDetached } from '../security/cms';
import { encryptableCertificate } from '../security/enveloped';
import { currentKey, participantCertificates } from '../security/organization-keys';
import { sealPackageStream } from '../security/smime';
import { ruleCovers } from '../workers/config';
import type { ActivityDeps } from './deps';
import { logEvent } from './events';
import { receivedPassport } from './incoming';
import { eventReportPassport, outgoingPassport, reportPassport, type CardEventToReport, type ReportEventToSend } from './passports';

const subjects: Record<string, string> = {
  MainDoc: 'Документ',
  AddToDoc: 'Дополнение к документу',
  Editing: 'Исправление документа',
  Reception: 'Уведомление о получении',
  Registration: 'Уведомление о регистрации',
  Failure: 'Уведомление об отказе',
};

/**
 * The passport's XML and its detached signature (`<passport>.sig`), which the passport lists among
 * its resources so that the receiver knows it belongs to the package.
 */
export async function signedPassport(message: DocInfoMessage | ReportMessage, xmlName: string, key: { keyPem: string; certPem: string }): Promise<{ xml: Buffer; signature: { name: string; content: Buffer } }> {
  const name = `${xmlName}.sig`;
  const resources = message.header.resources;
  const nextUid = Math.max(0, ...resources.map((r) => Number(r.uid)).filter(Number.isFinite)) + 1;
  message.header.resources = [...resources, { uid: String(nextUid), uniqueName: name }];
  const xml = Buffer.from(buildMessage(message), 'utf8');
  return { xml, signature: { name, content: await signDetached(xml, key.keyPem, key.certPem) } };
}

export function createOutgoingActivities(deps: ActivityDeps) {
  const { db, edms, organization: org, config } = deps;

  /**
   * Sends a stored package unless it has gone already; a permanent SMTP refusal is an outcome, not a
   * retry. A step that has just stored the package passes its row and address instead of a re-read.
   */
  async function sendStored(messageRowId: string, stored?: { row: MessageRow; to: string }): Promise<{ ok: true; messageId: string; sentAt: Date } | { ok: false; reason: string }> {
    let row: MessageRow, to: string | null | undefined;
    if (stored) ({ row, to } = stored);
    else {
      const found = await db.message.findUniqueOrThrow({ where: { id: messageRowId }, include: { peerOrganization: true } });
      [row, to] = [found, found.peerOrganization?.mailboxAddress];
    }
    if (row.status === 'sent') return { ok: true, messageId: row.messageId!, sentAt: row.sentAt ?? new Date() };
    if (row.status === 'failed') return { ok: false, reason: row.reason ?? 'почтовый сервер отказал' };
    if (!to || !row.rawSha256) throw ApplicationFailure.nonRetryable(`message ${row.messageId}: no address or content`, 'InvalidInput');
    try {
      await deps.mail.sendRaw({ from: org.mailbox.address, to, raw: blobStream(db, row.rawSha256) });
    } catch (e) {
      if ((e as Error).name !== 'PermanentSmtpError') throw e;
      const reason = `почтовый сервер отказал: ${(e as Error).message}`;
      await setMessageStatus(db, messageRowId, 'failed', { reason });
      return { ok: false, reason };
    }
    const sentAt = new Date();
    await setMessageStatus(db, messageRowId, 'sent', { sentAt });
    log.info('package sent', { messageId: row.messageId, to });
    return { ok: true, messageId: row.messageId!, sentAt };
  }

  /**
   * Builds, signs and stores one package: the passport lists its own detached signature
   * (`<passport>.sig`) among its resources; for an addressee our rules name, the whole package is
   * then encrypted for its certificate (S/MIME). Stored once; sending sends these bytes.
   */
  async function storePackage(input: {
    messageId: string;
    kind: MessageKind;
    subject: string;
    to: string;
    message: DocInfoMessage | ReportMessage;
    xmlName: string;
    files: { name: string; sha256: string }[];
    record: { peerOrganizationId: string; peerSevIndex: string; returnId?: string; cardId?: string; workflowId: string; documentUid?: string };
  }) {
    const mailMessageId = mailMessageIdFor(input.messageId, org.mailbox.address);
    const { xml, signature } = await signedPassport(input.message, input.xmlName, await ourKey());
    const date = new Date();
    const composed = {
      from: org.mailbox.address,
      to: input.to,
      subject: input.subject,
      mailMessageId,
      date,
      passport: { name: input.xmlName, content: xml },
      resources: [
        // Files stream from the blob store into the mail and the mail into the store: never whole in memory.
        ...input.files.map((f) => ({ name: f.name, content: blobStream(db, f.sha256) })),
        signature,
      ],
    };
    // Encrypted (S/MIME) or not, the package streams from its parts into the store.
    const mail = composePackageStream(composed);
    const blob = await putBlobStream(db, ruleCovers(org.rules.encryptFor, input.record.peerSevIndex) ? await seal(mail, input, mailMessageId, date) : mail);
    return recordOutgoingMessage(db, {
      messageId: input.messageId,
      kind: input.kind,
      rawSha256: blob.sha256,
      rawSize: blob.size,
      mailMessageId,
      ...input.record,
    });
  }

  /** Our current signing key; a missing one stops the step for good, naming the command that makes it. */
  async function ourKey() {
    const key = await currentKey(config, org);
    if (!key) throw ApplicationFailure.nonRetryable(`у организации ${org.id} нет ключа подписи: npx sev keys generate --org ${org.id}`, 'InvalidInput');
    return key;
  }

  async function seal(mail: Readable, input: { to: string; subject: string; record: { peerOrganizationId: string; peerSevIndex: string } }, mailMessageId: string, date: Date) {
    const [certificate] = await participantCertificates(db, input.record.peerOrganizationId);
    if (!certificate) {
      throw ApplicationFailure.nonRetryable(`нет действующего сертификата участника ${input.record.peerSevIndex} для шифрования: sev keys trust`, 'InvalidInput');
    }
    try {
      encryptableCertificate(certificate);
    } catch (e) {
      if (!(e instanceof CmsError)) throw e;
      throw ApplicationFailure.nonRetryable(`сертификат участника ${input.record.peerSevIndex} не годится для шифрования: ${e.message}`, 'InvalidInput');
    }
    return sealPackageStream(mail, certificate, { from: org.mailbox.address, to: input.to, subject: input.subject, messageId: `<${mailMessageId.replace(/^<|>$/g, '')}>`, date });
  }

  /** Our signature of each file of the card, kept in the blob store beside it (an EDS of the passport). */
  async function signFiles(doc: OutgoingDocument): Promise<OutgoingDocument> {
    const key = await ourKey();
    const files = await Promise.all(
      doc.files.map(async (file) => {
        // A file's blob key is its SHA-256: signing it needs no read of the file.
        const signature = await putBlob(db, await signDetached({ sha256: Buffer.from(file.sha256, 'hex') }, key.keyPem, key.certPem));
        return { ...file, signatures: [...file.signatures, signature] };
      }),
    );
    return { ...doc, files };
  }

  async function preparePackage(input: { cardId: string; addresseeId: string; documentUid: string; messageId: string; kind: 'MainDoc' | 'AddToDoc' | 'Editing'; workflowId: string }) {
    const { messageId } = input;
    const existing = await db.message.findUnique({ where: { direction_messageId: { direction: 'outgoing', messageId } }, include: { peerOrganization: true } });
    if (existing) return { messageRowId: existing.id, messageId, to: existing.peerOrganization?.mailboxAddress ?? '' };

    const doc = await signFiles(await edms.getOutgoingDocument(input.cardId));
    const addressee = doc.addressees.find((a) => a.addresseeId === input.addresseeId);
    if (!addressee) throw ApplicationFailure.nonRetryable(`card ${input.cardId} has no addressee ${input.addresseeId}`, 'NotFound');
    if (!addressee.mailboxAddress) {
      throw ApplicationFailure.nonRetryable(`у участника ${addressee.name} (${addressee.sevIndex}) нет адреса обмена в справочнике`, 'InvalidInput');
    }
    const { message, files } = outgoingPassport(org, doc, addressee, { messageId, time: new Date().toISOString() }, input.kind);
    const row = await storePackage({
      messageId,
      kind: input.kind,
      subject: `${subjects[input.kind]} № ${doc.regNumber} от ${doc.regDate}`,
      to: addressee.mailboxAddress,
      message,
      xmlName: 'DocInfo.xml',
      files: files.map((f) => ({ name: f.resource.uniqueName, sha256: f.sha256 })),
      record: {
        peerOrganizationId: addressee.organizationId,
        peerSevIndex: addressee.sevIndex,
        cardId: input.cardId,
        workflowId: input.workflowId,
        documentUid: input.documentUid,
      },
    });
    return { messageRowId: row.id, messageId, to: addressee.mailboxAddress };
  }

  /**
   * The report with this MessageID, stored once: built by `build` from the received passport the
   * first time, and read back from the registry on a retry.
   */
  async function storedReport(
    input: { messageRowId: string; workflowId: string },
    messageId: string,
    subject: string,
    build: (passport: DocInfoMessage, received: { cardId: string | null }) => Promise<ReportMessage>,
    cardId?: string,
  ) {
    const existing = await db.message.findUnique({ where: { direction_messageId: { direction: 'outgoing', messageId } } });
    if (existing) return { row: existing };
    const received = await db.message.findUniqueOrThrow({ where: { id: input.messageRowId }, include: { peerOrganization: true } });
    const correspondent = received.peerOrganization;
    if (!correspondent?.mailboxAddress) throw ApplicationFailure.nonRetryable(`correspondent of message ${received.messageId} has no mailbox`, 'InvalidInput');
    const report = await build(await receivedPassport(deps, input.messageRowId, received), received);
    const { number, date } = report.notification.initialDoc;
    const row = await storePackage({
      messageId,
      kind: report.header.messageType,
      subject: `${subject}: № ${number} от ${date}`,
      to: correspondent.mailboxAddress,
      message: report,
      xmlName: 'Report.xml',
      files: [],
      record: {
        peerOrganizationId: correspondent.id,
        peerSevIndex: correspondent.sevIndex,
        returnId: received.messageId ?? undefined,
        cardId: cardId ?? received.cardId ?? undefined,
        workflowId: input.workflowId,
        documentUid: received.documentUid ?? undefined,
      },
    });
    return { row, to: correspondent.mailboxAddress };
  }

  /** Sends a stored report; a bounce is recorded in the event log and returned, never thrown. */
  async function sendReport(stored: { row: Pick<MessageRow, 'id'> } | { row: MessageRow; to: string }, what: string, workflowId: string, messageId: string) {
    const sent = await sendStored(stored.row.id, 'to' in stored ? stored : undefined);
    if (sent.ok) return { delivered: true as const };
    // A bounced report is recorded, not fatal: the document itself is still handled.
    await logEvent(deps, 'error', 'report.undeliverable', `Доклад ${what} не доставлен: ${sent.reason}`, { workflowId, messageId });
    return { delivered: false as const, reason: sent.reason };
  }

  return {
    async prepareOutgoingPackage({ cardId, addresseeId, documentUid }: { cardId: string; addresseeId: string; documentUid: string }) {
      const messageId = deterministicGuid(`${org.id}:out:${documentUid}:${addresseeId}:MainDoc`);
      return preparePackage({ cardId, addresseeId, documentUid, messageId, kind: 'MainDoc', workflowId: activityWorkflowId() });
    },

    /** AddToDoc (new tasks, execution reports, files) or Editing (a corrected card) about a document already sent. */
    async prepareFollowUpPackage(input: { cardId: string; addresseeId: string; documentUid: string; kind: 'AddToDoc' | 'Editing'; changeId: string; outboundWorkflowId: string }) {
      const messageId = deterministicGuid(`${org.id}:out:${input.documentUid}:${input.addresseeId}:${input.kind}:${input.changeId}`);
      // Reports about it go to the document's own outbound exchange, which shows them in order.
      return preparePackage({ ...input, messageId, workflowId: input.outboundWorkflowId });
    },

    async sendOutgoingMessage({ messageRowId, addresseeId }: { messageRowId: string; addresseeId: string }) {
      const result = await sendStored(messageRowId);
      await edms.recordSend(addresseeId, result.ok ? { status: 'sent', messageId: result.messageId, at: result.sentAt.toISOString() } : { status: 'failed', reason: result.reason });
      // The workflow records this result: the same shape as before (no message id or time in the history).
      return result.ok ? { ok: true as const } : result;
    },

    async sendReportToCorrespondent(input: {
      messageRowId: string;
      workflowId: string;
      event: 'Reception' | 'Registration' | 'Failure';
      registration?: { cardId: string; number: string; date: string };
      failure?: { code: number; text?: string };
    }) {
      const messageId = deterministicGuid(`${input.workflowId}:report:${input.event}`);
      const event: ReportEventToSend =
        input.event === 'Reception'
          ? { event: 'Reception' }
          : input.event === 'Registration'
            ? { event: 'Registration', ...input.registration! }
            : { event: 'Failure', code: input.failure?.code ?? 0, text: input.failure?.text };
      const stored = await storedReport(input, messageId, subjects[input.event]!, async (passport) => reportPassport(org, passport, event, { messageId, time: new Date().toISOString() }), input.registration?.cardId);
      return { messageId, ...(await sendReport(stored, input.event, input.workflowId, messageId)) };
    },

    /**
     * One report of EDMS events about a received document (its workflow sends events of one kind
     * together, in the order they happened). Events a repeated signal brings again are skipped;
     * the report's MessageID comes from its first event, so a retry sends the same mail.
     */
    async reportCardEvents(input: { messageRowId: string; workflowId: string; eventIds: string[] }) {
      const events = await edms.getCardEvents(input.eventIds);
      const fresh = events.filter((event) => event.outcome === null);
      const reportOf = (eventId: string) => deterministicGuid(`${input.workflowId}:events:${eventId}`);
      // Events this step already reported in a run whose workflow task was then retried (a report's
      // MessageID comes from its first event): the workflow never saw that run, so they count now.
      const ours = new Set(events.map((event) => reportOf(event.id)));
      const earlier = events.filter((event) => event.outcome === 'reported' && event.reportMessageId && ours.has(event.reportMessageId));
      if (fresh.length === 0) {
        const row = earlier[0] && (await db.message.findUnique({ where: { direction_messageId: { direction: 'outgoing', messageId: earlier[0].reportMessageId! } }, select: { id: true } }));
        if (!row) return { delivered: true as const, reported: 0 };
        return { ...(await sendReport({ row }, 'о событиях', input.workflowId, earlier[0]!.reportMessageId!)), reported: earlier.length };
      }
      const messageId = reportOf(fresh[0]!.id);
      const stored = await storedReport(input, messageId, 'Доклад', async (passport, received) => {
        // The TaskList as it stood after the last of these events (kept with the event), else as it is now.
        const withTasks = fresh.filter((e) => e.kind === 'Consideration' || e.kind === 'Report');
        const snapshot = withTasks.at(-1)?.data.tasks;
        const tasks = withTasks.length === 0 ? [] : Array.isArray(snapshot) ? (snapshot as Task[]) : received.cardId ? await edms.getTaskList(received.cardId) : [];
        const events = fresh.map((event) => ({ kind: event.kind as CardEventToReport['kind'], occurredAt: event.occurredAt, data: event.data }));
        return eventReportPassport(org, passport, events, tasks, { messageId, time: new Date().toISOString() });
      });
      const sent = await sendReport(stored, 'о событиях', input.workflowId, messageId);
      await edms.settleCardEvents(
        fresh.map((event) => event.id),
        'reported',
        messageId,
      );
      return { ...sent, reported: fresh.length + earlier.length };
    },
  };
}

function activityWorkflowId(): string {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.nonRetryable("prepareOutgoingPackage runs only inside a workflow", "InvalidInput");
  return workflowId;
}
