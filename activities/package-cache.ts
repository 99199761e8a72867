// Read packages by the SHA-256 of their raw mail, kept for the next steps of the same exchange:
// an exchange reads its package in four or five steps, and parsing the passport each time is
// work saved. Only an optimization: the manifest and the blob store stay the source of truth. A
// read package holds its passport and file references, never files, so it is small.
import type { ReadPackage } from '../exchange/package';

const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
const MAX_ENTRY_BYTES = 1024 * 1024;

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

export function cachePackage(sha256: string, pkg: ReadPackage): void {
  // The parsed passport takes a few times the memory of its XML.
  const bytes = pkg.passport.content.byteLength * 4;
  if (bytes > MAX_ENTRY_BYTES || entries.has(sha256)) return;
  entries.set(sha256, { pkg, bytes });
  totalBytes += bytes;
  for (const [key, entry] of entries) {
    if (totalBytes <= MAX_TOTAL_BYTES) break;
    entries.delete(key);
    totalBytes -= entry.bytes;
  }
}
