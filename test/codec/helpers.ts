// Shared by the codec tests: the EOS schemas (outside the repository), xmllint, fixtures, and a
// windows-1251 encoder (Node's TextEncoder only writes UTF-8).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { SevMessageKind } from '../../codec/types';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

/** The public EOS schemas; SEV_STANDARDS_DIR overrides the checkout-relative default. */
export const standardsDir = process.env.SEV_STANDARDS_DIR ?? path.resolve(projectRoot, '../shared/standards/eos-sev');

const SCHEMA_BY_KIND: Record<SevMessageKind, string> = {
  MainDoc: 'DocumentInfo.xsd',
  AddToDoc: 'DocumentInfo.xsd',
  Editing: 'DocumentInfo.xsd',
  Report: 'ReportInfo.xsd',
  SyncInfo: 'SyncInfo.xsd',
  SyncReport: 'SyncReport.xsd',
};

export function schemaFor(kind: SevMessageKind): string {
  return path.join(standardsDir, SCHEMA_BY_KIND[kind]);
}

/** Validates with libxml2's xmllint; returns its exit status and complaints. */
export function validateWithXmllint(xml: string, schema: string): { status: number | null; stderr: string } {
  const result = spawnSync('xmllint', ['--noout', '--schema', schema, '-'], { input: xml, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stderr: result.stderr };
}

export function fixturePath(name: string): string {
  return path.join(import.meta.dirname, 'fixtures', name);
}

// windows-1251 is a single-byte encoding, so decoding all 256 bytes gives the whole table.
const WINDOWS_1251_BYTES = new Map<string, number>(
  [...new TextDecoder('windows-1251').decode(Uint8Array.from({ length: 256 }, (_, i) => i))].map((char, byte) => [char, byte]),
);

export function encodeWindows1251(text: string): Buffer {
  return Buffer.from(
    [...text].map((char) => {
      const byte = WINDOWS_1251_BYTES.get(char);
      if (byte === undefined) throw new RangeError(`not in windows-1251: ${char}`);
      return byte;
    }),
  );
}

/** Runs `fn` and returns what it threw; fails the test when it does not throw. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an exception, none was thrown');
}
