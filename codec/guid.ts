import { randomUUID } from 'node:crypto';

// EOS writes GUIDs as 32 hex digits without dashes, others use the dashed form; inside SEV every
// GUID is 32 upper-case hex digits so that ids compare as plain strings.
const GUID_32 = /^[0-9a-f]{32}$/i;
const GUID_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new random GUID as 32 upper-case hex digits. */
export function newGuid(): string {
  return randomUUID().replaceAll('-', '').toUpperCase();
}

/** The GUID as 32 upper-case hex digits, or undefined when `s` is not a GUID in either form. */
export function normalizeGuid(s: string): string | undefined {
  const value = s.trim();
  if (GUID_32.test(value)) return value.toUpperCase();
  if (GUID_DASHED.test(value)) return value.replaceAll('-', '').toUpperCase();
  return undefined;
}
