// Is a received package really from the participant it names? Its passport must carry a detached
// signature (`<passport>.sig`, a resource of the package) that verifies against a certificate the
// directory holds for that participant; every file signature (EDS) made with such a certificate
// must verify too. A signature by someone the directory does not know (an official's own) is kept
// on the card unchecked; a signature that does not verify makes the whole package suspect.
import type { DocInfoMessage } from '../codec/types';
import { sanitizeAttachmentName, type PackageFile, type ReadPackage } from '../exchange/package';
import type { PrismaClient } from '../prisma/client';
import { blobDigest, getBlob } from '../registry/blobs';
import { verifyDetached } from '../security/cms';
import { participantCertificates } from '../security/organization-keys';
import { matchResources, referencedFiles } from './resources';

export type Authentication =
  | { ok: true; signerFingerprint: string }
  /** missing: no signature at all (a rule may accept that); invalid: a signature that fails or is not the sender's. */
  | { ok: false; code: 'missing' | 'invalid'; reason: string };

export async function authenticatePackage(db: PrismaClient, pkg: ReadPackage, sender: { id: string; shortName: string }): Promise<Authentication> {
  const signatureName = sanitizeAttachmentName(`${pkg.passport.name}.sig`);
  const signature = pkg.attachments.find((a) => a.name === signatureName);
  if (!signature) return { ok: false, code: 'missing', reason: `пакет не подписан: нет подписи паспорта «${signatureName}»` };
  const certificates = await participantCertificates(db, sender.id);
  if (certificates.length === 0) return { ok: false, code: 'invalid', reason: `в справочнике нет действующего сертификата участника ${sender.shortName}: подпись не проверить` };
  const passport = await verifyDetached(pkg.passport.content, await signatureContent(db, signature), certificates);
  if (!passport.ok) return { ok: false, code: 'invalid', reason: `подпись паспорта не принята: ${passport.reason}` };

  const message = pkg.passport.message;
  if (message.kind === 'MainDoc' || message.kind === 'AddToDoc' || message.kind === 'Editing') {
    const problem = await fileSignatureProblem(db, message, pkg, certificates);
    if (problem) return { ok: false, code: 'invalid', reason: problem };
  }
  return { ok: true, signerFingerprint: passport.signerFingerprint };
}

async function fileSignatureProblem(db: PrismaClient, message: DocInfoMessage, pkg: ReadPackage, certificates: string[]): Promise<string | undefined> {
  const matched = matchResources(message, pkg);
  // Missing or ambiguous resources are refused by the resource check, with their own Failure code.
  if (!matched.ok) return undefined;
  for (const file of referencedFiles(message)) {
    const content = matched.byUid.get(String(file.resourceId));
    if (!content) continue;
    for (const eds of file.signatures ?? []) {
      const signature = matched.byUid.get(String(eds.resourceId));
      if (!signature) continue;
      // The file is hashed as it streams from the blob store, never read whole.
      const checked = await verifyDetached((algorithm) => blobDigest(db, content.sha256, algorithm), await signatureContent(db, signature), certificates);
      if (!checked.ok && checked.code !== 'untrusted') return `подпись файла «${content.name}» не принята: ${checked.reason}`;
    }
  }
  return undefined;
}

// A signature is a few kilobytes; anything much larger is not one, and is not read into memory.
const MAX_SIGNATURE_BYTES = 1024 * 1024;

/** The signature file's bytes (empty when it is too large to be a signature: it then fails as malformed). */
async function signatureContent(db: PrismaClient, signature: PackageFile): Promise<Buffer> {
  return signature.size > MAX_SIGNATURE_BYTES ? Buffer.alloc(0) : getBlob(db, signature.sha256);
}
