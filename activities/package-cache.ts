// Read packages by the SHA-256 of their raw mail, kept for the next steps of the same exchange:
// an exchange reads its package in four or five steps, and parsing the MIME each time was most of
// the worker's work. Only an optimization: the stored raw mail stays the source of truth, the
// cache is bounded in bytes, and large packages are never kept.
import type { ReadPackage } from '../exchange/package';

const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

const entries = new Map<string, { pkg: ReadPackage; bytes: number }>();
let totalBytes = 0;

export function cachedPackage(sha256: string): ReadPackage | undefined {
  const entry = entries.get(sha256);
  if (!entry) return undefined;
  // Most recently used last, so the oldest is evicted first.
  entries.delete(sha256);
  entries.set(sha256, entry);
  return entry.pkg;
}

export function cachePackage(sha256: string, rawBytes: number, pkg: ReadPackage): void {
  if (rawBytes > MAX_ENTRY_BYTES || entries.has(sha256)) return;
  // A read package holds about its raw size again in decoded attachments.
  const bytes = rawBytes * 2;
  entries.set(sha256, { pkg, bytes });
  totalBytes += bytes;
  for (const [key, entry] of entries) {
    if (totalBytes <= MAX_TOTAL_BYTES) break;
    entries.delete(key);
    totalBytes -= entry.bytes;
  }
}
