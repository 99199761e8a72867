// Activities of a received message: verify it, register it (or hand it to a person), apply a
// follow-up, store a report on our outgoing card. The raw MIME in the blob store is the source of
// truth: every activity reads the package from it again, so no file ever travels in a workflow.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { decodeXml } from '../codec/decode';
import { EdmsError } from '../edms/builtin/errors';
import type { DocInfoMessage, ReportMessage } from '../codec/types';
import type { DuplicateCandidate, FollowUpOutcome, IncomingPackage, ManualRegistration, RegistrationOutcome, StoredResource } from '../edms/adapter';
import { findSender } from '../edms/directory';
import type { ReadPackage } from '../exchange/package';
import { manifestOfMessage, packageOf } from '../registry/packages';
import { setMessageStatus } from '../registry/messages';
import type { ReportReceived } from '../workflows/definitions';
import { FailureCode, type ReportPolicy } from '../workflows/definitions';
import { reportPolicy } from './passports';
import { authenticatePackage } from './authenticate';
import { ruleCovers } from '../workers/config';
import type { ActivityDeps } from './deps';
import { logEvent } from './events';
import { cachedPackage, cachePackage } from './package-cache';
import { matchResources, resourceProblems } from './resources';

export type VerifyResult =
  | { ok: false; action: 'quarantine'; reason: string }
  | { ok: false; action: 'refuse'; reason: string; failureCode: number }
  | {
      ok: true;
      kind: 'MainDoc' | 'AddToDoc' | 'Editing' | 'Report' | 'SyncInfo' | 'SyncReport';
      sender: string;
      document?: { uid?: string; number?: string; date?: string };
      duplicates: DuplicateCandidate[];
      duplicateAction: 'manual' | 'refuse';
      /** For a document: the reports the correspondent gets about it. */
      policy?: ReportPolicy;
    };

/** What loading a package needs of the message row. */
type PackageRow = { id: string; messageId: string | null; workflowId: string | null; peerOrganizationId: string | null; rawSha256: string | null };

/** A report stored on the outgoing card it is about, or why it was not. */
type ReportApplied = { matched: true; outboundWorkflowId: string; report: ReportReceived } | { matched: false; reason: string };

interface LoadedPackage {
  row: PackageRow;
  pkg: ReadPackage;
}

/**
 * A received message's package: from its manifest, or read once from its raw mail when it was
 * recorded before manifests were kept. A step that has just read the message row passes it.
 */
export async function loadPackage(deps: ActivityDeps, messageRowId: string, known?: PackageRow): Promise<LoadedPackage> {
  const row = known ?? (await deps.db.message.findUnique({ where: { id: messageRowId }, select: { id: true, messageId: true, workflowId: true, peerOrganizationId: true, rawSha256: true } }));
  if (!row?.rawSha256) throw ApplicationFailure.nonRetryable(`message ${messageRowId} has no stored raw mail`, 'NotFound');
  const cached = cachedPackage(row.rawSha256);
  if (cached) return { row, pkg: cached };
  const manifest = await manifestOfMessage(deps.db, row, deps.organization.rules.limits);
  // The intake stored this mail only after reading it as a package; the same bytes read the same way.
  if (!manifest) throw ApplicationFailure.nonRetryable(`stored mail ${row.rawSha256} is no longer a package`, 'InvalidPackage');
  const pkg = await packageOf(deps.db, manifest);
  cachePackage(row.rawSha256, pkg);
  return { row, pkg };
}

/** The passport of a received DocInfo, as it came: what a report about it is built from, even when its resources are not in order. */
async function receivedPassport(deps: ActivityDeps, messageRowId: string, known?: PackageRow): Promise<DocInfoMessage> {
  const { row, pkg } = await loadPackage(deps, messageRowId, known);
  const message = pkg.passport.message;
  if (message.kind !== 'MainDoc' && message.kind !== 'AddToDoc' && message.kind !== 'Editing') {
    throw ApplicationFailure.nonRetryable(`message ${row.messageId} is a ${message.kind}, not a passport`, 'InvalidInput');
  }
  return message;
}

/**
 * The package as the EDMS receives it; resources are matched to attachments by UniqueName. A step
 * that has just loaded (and verified) the message passes what it holds instead of reading it again.
 */
async function incomingPackage(deps: ActivityDeps, messageRowId: string, loaded?: LoadedPackage): Promise<IncomingPackage> {
  const { row, pkg } = loaded ?? (await loadPackage(deps, messageRowId));
  const message = pkg.passport.message;
  if (message.kind !== 'MainDoc' && message.kind !== 'AddToDoc' && message.kind !== 'Editing') {
    throw ApplicationFailure.nonRetryable(`message ${row.messageId} is a ${message.kind}, not a passport`, 'InvalidInput');
  }
  if (!row.peerOrganizationId) throw ApplicationFailure.nonRetryable(`message ${row.messageId} is not verified`, 'InvalidInput');
  const matched = matchResources(message, pkg);
  if (!matched.ok) throw ApplicationFailure.nonRetryable(`message ${row.messageId}: ${matched.reason}`, 'InvalidPackage');
  const resources: StoredResource[] = message.header.resources.flatMap((resource) => {
    const file = matched.byUid.get(resource.uid);
    return file ? [{ uid: resource.uid, name: resource.uniqueName, sha256: file.sha256, size: file.size }] : [];
  });
  return {
    messageRowId,
    senderOrganizationId: row.peerOrganizationId,
    message,
    resources,
    passportSha256: pkg.passport.sha256,
  };
}

export function createIncomingActivities(deps: ActivityDeps) {
  const { db, edms } = deps;

  /** Verifies a received message; `onVerified` gets the package it loaded when it passed, with the row as now verified. */
  async function verifyMessage(messageRowId: string, onVerified?: (verified: LoadedPackage) => void): Promise<VerifyResult> {
    const { row, pkg } = await loadPackage(deps, messageRowId);
    const message = pkg.passport.message;
    const quarantine = async (reason: string): Promise<VerifyResult> => {
      await setMessageStatus(db, messageRowId, 'quarantined', { reason });
      await logEvent(deps, 'warn', 'message.quarantined', reason, { messageId: row.messageId ?? undefined });
      return { ok: false, action: 'quarantine', reason };
    };

    // A known participant, writing from its own mailbox about itself.
    const claimed = message.header.sender.contact.organization;
    const { byUid, byMailbox } = await findSender(db, claimed.uid, pkg.from);
    if (!byUid || byUid.isSelf) return quarantine(`неизвестный отправитель: ${claimed.shortName} (${claimed.uid ?? 'без UID'})`);
    if (!byMailbox || byMailbox.id !== byUid.id) {
      return quarantine(`адрес отправителя ${pkg.from ?? '—'} не принадлежит участнику ${byUid.shortName}`);
    }
    // And signed by it: a missing signature only where our rules accept that from this participant.
    const authenticated = await authenticatePackage(db, pkg, byUid);
    if (!authenticated.ok) {
      const relaxed = authenticated.code === 'missing' && ruleCovers(deps.organization.rules.acceptUnsigned, byUid.sevIndex);
      if (!relaxed) return quarantine(authenticated.reason);
      log.info('unsigned package accepted by rule', { messageRowId, sender: byUid.sevIndex });
    }

    const doc = message.kind === 'Report' ? message.notification.initialDoc : 'documents' in message ? message.documents?.[0] : undefined;
    const document = doc
      ? 'registrationInfo' in doc
        ? { uid: doc.uid, number: doc.registrationInfo.number, date: doc.registrationInfo.date }
        : { uid: doc.uid, number: doc.number, date: doc.date }
      : undefined;
    await db.message.update({
      where: { id: messageRowId },
      data: {
        status: 'verified',
        // The workflow that handles it: where the EDMS signals the document's events.
        workflowId: Context.current().info.workflowExecution?.workflowId,
        peerOrganizationId: byUid.id,
        peerSevIndex: byUid.sevIndex,
        headerTime: new Date(message.header.time),
        documentUid: document?.uid,
        versionUid: message.kind !== 'Report' && 'documents' in message ? message.documents?.[0]?.versionUid : undefined,
        regNumber: document?.number,
        regDate: document?.date ? new Date(document.date) : undefined,
        // As `set`: Prisma then passes the list as a parameter; a list literal would make every
        // message a query of its own, compiled and cached anew (measured: memory grew per message).
        fileHashes: { set: pkg.attachments.map((a) => a.sha256).sort() },
      },
      select: { id: true },
    });

    if (message.kind === 'MainDoc' || message.kind === 'AddToDoc' || message.kind === 'Editing') {
      const problem = resourceProblems(message, pkg);
      if (problem) {
        await setMessageStatus(db, messageRowId, 'refused', { reason: problem.reason, failureCode: problem.code });
        return { ok: false, action: 'refuse', reason: problem.reason, failureCode: problem.code };
      }
    }
    const verified = { row: { ...row, peerOrganizationId: byUid.id }, pkg };
    onVerified?.(verified);
    const duplicates = message.kind === 'MainDoc' ? await edms.findDuplicates(await incomingPackage(deps, messageRowId, verified)) : [];
    return {
      ok: true,
      kind: message.kind,
      sender: byUid.shortName,
      document,
      duplicates,
      duplicateAction: deps.organization.rules.businessDuplicate,
      ...(message.kind === 'MainDoc' && { policy: reportPolicy(message.subscriptions, deps.organization.rules, byUid.sevIndex) }),
    };
  }

  /** Stores a verified report on our outgoing card; `verified` is the package verification loaded, when the same step verified it. */
  async function applyReport(messageRowId: string, verified?: LoadedPackage): Promise<ReportApplied> {
    const { row, pkg } = verified ?? (await loadPackage(deps, messageRowId));
    const message = pkg.passport.message as ReportMessage;
    const ours = await db.message.findUnique({
      where: { direction_messageId: { direction: 'outgoing', messageId: message.header.returnId } },
    });
    const initialDoc = message.notification.initialDoc;
    const reason = !ours?.cardId || !ours.workflowId
      ? `доклад о неизвестном сообщении ${message.header.returnId}`
      : ours.peerOrganizationId !== row.peerOrganizationId
        ? 'доклад от участника, которому документ не отправлялся'
        : ours.documentUid && initialDoc.uid !== ours.documentUid
          ? `доклад о документе ${initialDoc.uid}, а сообщение ${message.header.returnId} было о документе ${ours.documentUid}`
          : undefined;
    if (reason || !ours?.cardId || !ours.workflowId) {
      const why = reason ?? 'доклад не сопоставлен';
      await setMessageStatus(db, messageRowId, 'quarantined', { reason: why });
      await logEvent(deps, 'warn', 'report.unmatched', why, { messageId: row.messageId ?? undefined });
      return { matched: false, reason: why };
    }
    const addressee = await db.cardAddressee.findFirstOrThrow({ where: { cardId: ours.cardId, organizationId: ours.peerOrganizationId }, select: { id: true } });
    const onCard = await edms.attachReport({
      messageRowId,
      cardId: ours.cardId,
      addresseeId: addressee.id,
      message,
      xml: decodeXml(pkg.passport.content, pkg.passport.content.length),
    });
    await setMessageStatus(db, messageRowId, 'applied', { cardId: ours.cardId });
    return {
      matched: true,
      outboundWorkflowId: ours.workflowId,
      report: {
        status: onCard.status === 'pending' ? 'sent' : onCard.status,
        summaries: onCard.summaries,
        reportedAt: message.header.time,
        addresseeRegNumber: onCard.addresseeRegNumber,
        addresseeRegDate: onCard.addresseeRegDate,
        failure: onCard.failure,
      },
    };
  }

  const activities = {
    async verifyIncomingMessage({ messageRowId }: { messageRowId: string }): Promise<VerifyResult> {
      return verifyMessage(messageRowId);
    },

    async registerIncomingDocument({ messageRowId, manual }: { messageRowId: string; manual?: ManualRegistration }): Promise<RegistrationOutcome> {
      const pkg = await incomingPackage(deps, messageRowId);
      let outcome: RegistrationOutcome;
      try {
        outcome = await edms.registerIncoming(pkg, manual);
      } catch (e) {
        // What the EDMS cannot register as it is (a number already taken, an attribute it refuses), a person can.
        if (!(e instanceof EdmsError)) throw e;
        outcome = { status: 'manualRequired', reason: e.message, cardId: '' };
      }
      if (outcome.status === 'registered') {
        await edms.linkIncoming(outcome.cardId, pkg);
        await setMessageStatus(db, messageRowId, 'registered', { cardId: outcome.cardId });
        log.info('document registered', { messageRowId, regNumber: outcome.regNumber });
      } else if (outcome.status === 'manualRequired') {
        await setMessageStatus(db, messageRowId, 'manual', { reason: outcome.reason, cardId: outcome.cardId || undefined });
      }
      // A duplicate found here is the workflow's to decide, by the organization's rule.
      return outcome;
    },

    /** Hands a document to manual registration by rule (a possible duplicate), without registering it. */
    async requireManualRegistration({ messageRowId, reason }: { messageRowId: string; reason: string }): Promise<RegistrationOutcome> {
      await setMessageStatus(db, messageRowId, 'manual', { reason });
      return { status: 'manualRequired', reason, cardId: '' };
    },

    async rejectIncomingDocument({ messageRowId, reason, by }: { messageRowId: string; reason: string; by: string }): Promise<void> {
      await edms.rejectIncoming(messageRowId, reason, by);
      await setMessageStatus(db, messageRowId, 'refused', { reason: `${reason} (${by})`, failureCode: FailureCode.rejectedByPerson });
    },

    /** EDMS events that get no report (not ordered, refused by rule, too late), settled with the reason. */
    async settleCardEvents({ eventIds, outcome }: { eventIds: string[]; outcome: 'notOrdered' | 'refused' | 'subscriptionEnded' }): Promise<number> {
      return edms.settleCardEvents(eventIds, outcome);
    },

    async markIncomingMessage(input: { messageRowId: string; status: 'duplicate' | 'refused' | 'quarantined'; reason: string; failureCode?: number }): Promise<void> {
      await setMessageStatus(db, input.messageRowId, input.status, { reason: input.reason, failureCode: input.failureCode });
    },

    async remindManualRegistration(input: { messageRowId: string; workflowId: string; reason: string; waitingSince: string; reminders: number }): Promise<void> {
      await logEvent(
        deps,
        input.reminders > 1 ? 'error' : 'warn',
        'manual.overdue',
        `Документ ждёт ручной регистрации с ${input.waitingSince} (напоминание ${input.reminders}): ${input.reason}`,
        { workflowId: input.workflowId },
      );
    },

    async applyFollowUpMessage({ messageRowId }: { messageRowId: string }): Promise<FollowUpOutcome> {
      const outcome = await edms.applyFollowUp(await incomingPackage(deps, messageRowId));
      // Without the main document the workflow waits and tries again before it refuses.
      if (outcome.status === 'applied') await setMessageStatus(db, messageRowId, 'applied', { cardId: outcome.cardId });
      return outcome;
    },

    async applyIncomingReport({ messageRowId }: { messageRowId: string }): Promise<ReportApplied> {
      return applyReport(messageRowId);
    },
  };

  return {
    ...activities,

    /**
     * A report that came to the outbound exchange it is about (the intake signals it there):
     * verified like any message, then stored on the card. One step instead of a workflow per report.
     */
    async acceptReport({ messageRowId }: { messageRowId: string }): Promise<ReportApplied> {
      let loaded: LoadedPackage | undefined;
      const verified = await verifyMessage(messageRowId, (v) => (loaded = v));
      if (!verified.ok) return { matched: false, reason: verified.reason };
      return applyReport(messageRowId, loaded);
    },
  };
}

export { incomingPackage, receivedPassport };
