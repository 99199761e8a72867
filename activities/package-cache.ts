// Read packages by the SHA-256 of their raw mail, kept for the next steps of the same exchange:
// the intake reads a package and the exchange's steps, run back to back a moment later, read it
// again; parsing the passport each time is work saved. Only an optimization: the manifest and the
// blob store stay the source of truth. So it holds a few hundred packages at most: a parsed
// passport costs about 30 KB of heap (measured), and a larger cache only held the packages of
// exchanges long finished (a backlog filled 16 MB of estimate with ≈35 MB of heap).
import type { ReadPackage } from '../exchange/package';

const MAX_ENTRIES = 128;
const MAX_TOTAL_BYTES = 4 * 1024 * 1024;
const MAX_ENTRY_BYTES = 512 * 1024;

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
  // The parsed passport takes several times the memory of its XML.
  const bytes = pkg.passport.content.byteLength * 8;
  if (bytes > MAX_ENTRY_BYTES || entries.has(sha256)) return;
  entries.set(sha256, { pkg, bytes });
  totalBytes += bytes;
  for (const [key, entry] of entries) {
    if (totalBytes <= MAX_TOTAL_BYTES && entries.size <= MAX_ENTRIES) break;
    entries.delete(key);
    totalBytes -= entry.bytes;
  }
}
