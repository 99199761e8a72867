// Registration journals (группы документов) and their numbering.
import type { Direction, PrismaClient, RegistrationJournal } from '../../prisma/client';
import { calendarYear, toDbDate } from './dates';
import type { Tx } from './tx';

export const DEFAULT_JOURNALS = {
  incoming: { code: 'incoming', name: 'Входящие', direction: 'incoming', pattern: 'Вх-{number}', yearly: true },
  outgoing: { code: 'outgoing', name: 'Исходящие', direction: 'outgoing', pattern: 'Исх-{number}', yearly: true },
} as const satisfies Record<Direction, Pick<RegistrationJournal, 'code' | 'name' | 'direction' | 'pattern' | 'yearly'>>;

/** Creates the default journals unless they exist; an operator's later changes to them are kept. */
export async function ensureJournals(db: PrismaClient): Promise<RegistrationJournal[]> {
  const journals: RegistrationJournal[] = [];
  for (const journal of Object.values(DEFAULT_JOURNALS)) {
    journals.push(await db.registrationJournal.upsert({ where: { code: journal.code }, create: journal, update: {} }));
  }
  return journals;
}

export async function findActiveJournal(tx: Tx, code: string, direction: Direction): Promise<RegistrationJournal | null> {
  return tx.registrationJournal.findFirst({ where: { code, direction, isActive: true } });
}

/** The registration fields of a card, as one journal gives them. */
export interface JournalRegistration {
  journalId: string;
  regNumber: string;
  regDate: Date;
  regYear: number;
  regSequence: number;
}

/**
 * Takes the journal's next number for a document registered on `regDate` (YYYY-MM-DD). The
 * counter row stays locked until the caller's transaction ends, so concurrent registrations queue
 * on it and a rolled-back registration gives its number back.
 */
export async function allocateNumber(tx: Tx, journal: RegistrationJournal, regDate: string): Promise<JournalRegistration> {
  const year = journal.yearly ? calendarYear(regDate) : 0;
  const counter = await tx.journalCounter.upsert({
    where: { journalId_year: { journalId: journal.id, year } },
    create: { journalId: journal.id, year, lastNumber: 1 },
    update: { lastNumber: { increment: 1 } },
  });
  return {
    journalId: journal.id,
    regNumber: formatRegNumber(journal, counter.lastNumber, regDate),
    regDate: toDbDate(regDate)!,
    regYear: year,
    regSequence: counter.lastNumber,
  };
}

export function formatRegNumber(journal: Pick<RegistrationJournal, 'pattern' | 'prefix' | 'suffix'>, sequence: number, regDate: string): string {
  return journal.pattern
    .replaceAll('{prefix}', journal.prefix)
    .replaceAll('{number}', String(sequence))
    .replaceAll('{suffix}', journal.suffix)
    .replaceAll('{year}', String(calendarYear(regDate)));
}
