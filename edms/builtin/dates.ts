// Dates as the built-in EDMS keeps and shows them. A registration date is a calendar date in
// Moscow time (the zone the organizations and their EOS installations work in), stored in a
// PostgreSQL `date` column as that day's UTC midnight; people see dates as DD.MM.YYYY.

export const EDMS_TIME_ZONE = 'Europe/Moscow';
/** Moscow keeps +03:00 all year (no daylight saving since 2014). */
const EDMS_UTC_OFFSET = '+03:00';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

const isoDateFormat = new Intl.DateTimeFormat('en-CA', { timeZone: EDMS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const readableDateTimeFormat = new Intl.DateTimeFormat('ru-RU', {
  timeZone: EDMS_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** Today in Moscow, YYYY-MM-DD. */
export function today(now = new Date()): string {
  return isoDateFormat.format(now);
}

/** A `date` column value for YYYY-MM-DD, or undefined when the text is not a real calendar date. */
export function toDbDate(value: string | undefined): Date | undefined {
  if (!value || !ISO_DATE.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  // Date rolls 2026-02-30 over to March; a real date reads back as written.
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value) ? date : undefined;
}

export function fromDbDate(value: Date | null): string | undefined {
  return value ? value.toISOString().slice(0, 10) : undefined;
}

/**
 * An xs:dateTime (or a bare xs:date, as its midnight) as an instant; EDMS that write local time
 * without an offset mean Moscow time.
 */
export function toInstant(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const dateTime = ISO_DATE.test(value) ? `${value}T00:00:00` : value;
  const date = new Date(HAS_OFFSET.test(dateTime) ? dateTime : `${dateTime}${EDMS_UTC_OFFSET}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** YYYY-MM-DD as people read it: 27.11.2026. */
export function readableDate(value: string): string {
  const [year, month, day] = value.split('-');
  return `${day}.${month}.${year}`;
}

/** An instant as people read it, in Moscow time: 27.11.2026 20:15. */
export function readableDateTime(value: Date): string {
  return readableDateTimeFormat.format(value).replace(',', '');
}

export function calendarYear(isoDate: string): number {
  return Number(isoDate.slice(0, 4));
}
