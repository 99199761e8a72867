// Reading a package in a test with its files at hand: the files go to a store in memory.
import { memoryPartStore, readPackage, type PackageLimits, type PackageReadResult } from '../../exchange/package';

export interface FileContent {
  name: string;
  content: Buffer;
}

/** The package, and its attachments with their contents (empty when the package is refused). */
export async function readPackageWithFiles(raw: Buffer, limits: PackageLimits = {}): Promise<{ pkg: PackageReadResult; files: FileContent[] }> {
  const store = memoryPartStore();
  const pkg = await readPackage(raw, limits, store);
  const files = pkg.ok ? pkg.attachments.map((a) => ({ name: a.name, content: store.get(a.sha256)! })) : [];
  return { pkg, files };
}
