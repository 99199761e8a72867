// Transactions of the built-in EDMS: every method changes the database in one transaction, so a
// crash or a retried activity never leaves half a registration behind.
import type { PrismaClient, TransactionClient } from '../../prisma/client';
import { EdmsError } from './errors';

export type Tx = TransactionClient;

// A burst of registrations queues on one journal counter row and on the connection pool; Prisma's
// defaults (2 s to get a connection, 5 s to finish) are too tight for that.
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 };

export function inTransaction<T>(db: PrismaClient, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(work, TRANSACTION_OPTIONS);
}

/**
 * Locks the registry row of an incoming message until the transaction ends, so that two attempts
 * to handle the same message run one after the other; the second sees the card the first bound.
 */
export async function lockMessage(tx: Tx, messageRowId: string): Promise<{ cardId: string | null }> {
  const rows = await tx.$queryRaw<{ card_id: string | null }[]>`SELECT card_id FROM messages WHERE id = ${messageRowId}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new EdmsError('unknownMessage', `message row ${messageRowId} is not in the registry`);
  return { cardId: row.card_id };
}

/**
 * Locks an addressee row of an outgoing card until the transaction ends: reports about one
 * document (a Reception and a Registration handled at the same moment) and a retried send then
 * change its status one after the other, each from what the previous one wrote.
 */
export async function lockAddressee(tx: Tx, addresseeId: string): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM card_addressees WHERE id = ${addresseeId}::uuid FOR UPDATE`;
}

/**
 * Locks a registration card until the transaction ends: follow-ups about one document (an
 * AddToDoc and an Editing handled at the same moment) and actions on the card then add files,
 * tasks and reports one after the other, each seeing what the previous one added.
 */
export async function lockCard(tx: Tx, cardId: string): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM registration_cards WHERE id = ${cardId}::uuid FOR UPDATE`;
}
