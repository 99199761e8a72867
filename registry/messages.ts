// The message registry: every package that came in or went out, by its Header@MessageID, with
// the one state it ended in. Its unique key (direction, MessageID) is what makes a transport
// duplicate impossible even when two intakes race.
import { createHash } from 'node:crypto';
import type { PackageManifest } from './packages';
import { Prisma, type PrismaClient, type MessageRow as Message, type MessageKind, type MessageStatus } from '../prisma/client';

/**
 * A GUID (32 upper-case hex digits) derived from a seed: the same step of the same exchange always
 * gets the same MessageID, so a retried send is the same message, never a second one.
 */
export function deterministicGuid(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32).toUpperCase();
}

/** RFC 5322 Message-ID of the mail that carries a package: derived from its MessageID. */
export function mailMessageIdFor(messageId: string, mailbox: string): string {
  const domain = mailbox.split('@')[1] ?? 'sev.invalid';
  return `<${messageId.toLowerCase()}@${domain}>`;
}

export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
}

export interface IncomingMailRecord {
  messageId: string;
  kind: MessageKind;
  rawSha256: string;
  rawSize: number;
  mailMessageId?: string;
  peerSevIndex?: string;
  returnId?: string;
  /** The package as read (see registry/packages). */
  package?: PackageManifest;
  /** The mail it was read from (see mailSourceOf in workers/intake). */
  mailSource?: string;
}

export type RecordIncomingResult =
  | { created: true; row: Message }
  /** The MessageID is already registered: the same bytes again (a transport duplicate) or other content under a used MessageID. */
  | { created: false; row: Message; sameContent: boolean };

/** Records a received message once per MessageID. */
export async function recordIncomingMessage(db: PrismaClient, mail: IncomingMailRecord): Promise<RecordIncomingResult> {
  try {
    const row = await db.message.create({
      data: {
        direction: 'incoming',
        messageId: mail.messageId,
        kind: mail.kind,
        status: 'stored',
        rawStorageKey: mail.rawSha256,
        rawSha256: mail.rawSha256,
        rawSize: mail.rawSize,
        mailMessageId: mail.mailMessageId,
        peerSevIndex: mail.peerSevIndex,
        returnId: mail.returnId,
        mailSource: mail.mailSource,
        ...(mail.package && { package: mail.package as unknown as Prisma.InputJsonObject }),
        receivedAt: new Date(),
      },
    });
    return { created: true, row };
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const row = await db.message.findUniqueOrThrow({ where: { direction_messageId: { direction: 'incoming', messageId: mail.messageId } } });
    return { created: false, row, sameContent: row.rawSha256 === mail.rawSha256 };
  }
}

/** Records a mail that cannot be read as a package: kept with the reason, once per raw content. */
export async function recordQuarantinedMail(
  db: PrismaClient,
  mail: { rawSha256: string; rawSize: number; mailMessageId?: string; messageId?: string; reason: string },
): Promise<Message> {
  const existing = await db.message.findFirst({ where: { direction: 'incoming', rawSha256: mail.rawSha256, status: 'quarantined' } });
  if (existing) return existing;
  return db.message.create({
    data: {
      direction: 'incoming',
      // A MessageID already registered for other content must not block the quarantine record.
      messageId: null,
      status: 'quarantined',
      reason: mail.messageId ? `${mail.reason} (MessageID ${mail.messageId})` : mail.reason,
      rawStorageKey: mail.rawSha256,
      rawSha256: mail.rawSha256,
      rawSize: mail.rawSize,
      mailMessageId: mail.mailMessageId,
      receivedAt: new Date(),
    },
  });
}

export interface OutgoingMessageRecord {
  messageId: string;
  kind: MessageKind;
  peerOrganizationId: string;
  peerSevIndex: string;
  returnId?: string;
  cardId?: string;
  workflowId: string;
  rawSha256: string;
  rawSize: number;
  mailMessageId: string;
  documentUid?: string;
}

/** Records a package built to be sent; building it again yields the same row. */
export async function recordOutgoingMessage(db: PrismaClient, msg: OutgoingMessageRecord): Promise<Message> {
  return db.message.upsert({
    where: { direction_messageId: { direction: 'outgoing', messageId: msg.messageId } },
    create: {
      direction: 'outgoing',
      status: 'prepared',
      messageId: msg.messageId,
      kind: msg.kind,
      peerOrganizationId: msg.peerOrganizationId,
      peerSevIndex: msg.peerSevIndex,
      returnId: msg.returnId,
      cardId: msg.cardId,
      workflowId: msg.workflowId,
      rawStorageKey: msg.rawSha256,
      rawSha256: msg.rawSha256,
      rawSize: msg.rawSize,
      mailMessageId: msg.mailMessageId,
      documentUid: msg.documentUid,
    },
    update: {},
  });
}

export async function setMessageStatus(
  db: PrismaClient,
  id: string,
  status: MessageStatus,
  extra: { reason?: string; failureCode?: number; cardId?: string; sentAt?: Date } = {},
): Promise<void> {
  await db.message.update({ where: { id }, data: { status, ...extra }, select: { id: true } });
}
