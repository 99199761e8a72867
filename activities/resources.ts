// Which attachment of a received package is which resource of its passport, and whether every
// file the passport refers to came whole. Pure, so the rules are tested on their own.
import type { DeloFile, DocInfoMessage } from '../codec/types';
// Attachment names are sanitized when read, so passport names are compared the same way.
import { sanitizeAttachmentName, type PackageFile, type ReadPackage } from '../exchange/package';
import { FailureCode } from '../workflows/definitions';

export type ResourceMatch = { ok: true; byUid: Map<string, PackageFile> } | { ok: false; code: number; reason: string };

/**
 * Pairs each resource of the passport with its attachment by name, compared the way names are
 * read (sanitized). Two resources or two attachments under one name would make that pairing
 * ambiguous, so such a package is refused rather than guessed at.
 */
export function matchResources(message: DocInfoMessage, pkg: ReadPackage): ResourceMatch {
  const attachments = new Map<string, PackageFile>();
  for (const attachment of pkg.attachments) {
    if (attachments.has(attachment.name)) return { ok: false, code: FailureCode.invalidPassport, reason: `два вложения с именем «${attachment.name}»` };
    attachments.set(attachment.name, attachment);
  }
  const byUid = new Map<string, PackageFile>();
  const names = new Set<string>();
  for (const resource of message.header.resources) {
    if (Number(resource.uid) === message.header.resourceId) continue;
    const name = sanitizeAttachmentName(resource.uniqueName);
    if (names.has(name)) return { ok: false, code: FailureCode.invalidPassport, reason: `два ресурса паспорта с именем «${name}»` };
    names.add(name);
    const attachment = attachments.get(name);
    if (!attachment) return { ok: false, code: FailureCode.missingResource, reason: `нет вложения «${resource.uniqueName}», указанного в паспорте` };
    byUid.set(resource.uid, attachment);
  }
  return { ok: true, byUid };
}

/** Every file the passport refers to: of its documents, approvals, tasks and execution reports. */
export function referencedFiles(message: DocInfoMessage): DeloFile[] {
  return [
    ...message.documents.flatMap((d) => [...(d.files ?? []), ...(d.approvals ?? []).flatMap((a) => a.files ?? [])]),
    ...(message.tasks ?? []).flatMap((t) => [...(t.files ?? []), ...(t.executors ?? []).flatMap((e) => e.files ?? [])]),
  ];
}

/** Checks that every resource the passport refers to came, with the size and SHA-256 (eTag) it states. */
export function resourceProblems(message: DocInfoMessage, pkg: ReadPackage): { code: number; reason: string } | undefined {
  const matched = matchResources(message, pkg);
  if (!matched.ok) return { code: matched.code, reason: matched.reason };
  for (const file of referencedFiles(message)) {
    const attached = matched.byUid.get(String(file.resourceId));
    if (!attached) return { code: FailureCode.missingResource, reason: `файл «${file.description}» ссылается на отсутствующий ресурс ${file.resourceId}` };
    if (file.size > 0 && attached.size !== file.size) {
      return { code: FailureCode.hashMismatch, reason: `размер файла «${attached.name}» ${attached.size} байт, в паспорте ${file.size}` };
    }
    if (file.eTag && /^[0-9a-f]{64}$/i.test(file.eTag) && attached.sha256 !== file.eTag.toLowerCase()) {
      return { code: FailureCode.hashMismatch, reason: `хэш файла «${attached.name}» не совпадает с указанным в паспорте` };
    }
    const missingSignature = (file.signatures ?? []).find((sig) => !matched.byUid.has(String(sig.resourceId)));
    if (missingSignature) {
      return { code: FailureCode.missingResource, reason: `подпись файла «${file.description}» ссылается на отсутствующий ресурс ${missingSignature.resourceId}` };
    }
  }
  return undefined;
}
