// Reading a received passport (DocInfo) into the built-in EDMS's records: the card's attributes,
// its files with their signatures, its addressees, and what is missing for automatic registration.
import type { Contact, DeloFile, DocInfoMessage, Document } from '../../codec/types';
import type { Organization, Prisma } from '../../prisma/client';
import type { IncomingPackage, StoredResource } from '../adapter';
import { findParticipantByUid } from '../directory';
import { sanitizeAttachmentName } from '../../exchange/package';
import { toDbDate, toInstant } from './dates';
import { EdmsError } from './errors';
import type { Tx } from './tx';

/** The document the passport is about (Document@MainDocument), among the linked ones it may carry. */
export function mainDocument(message: DocInfoMessage): Document {
  const document = message.documents.find((d) => d.mainDocument) ?? message.documents[0];
  if (!document) throw new EdmsError('incompletePackage', `passport ${message.header.messageId} holds no document`);
  return document;
}

/** The official's name, or the post when EOS gives only the post, or else the department. */
export function personName(contact: Contact | undefined): string | undefined {
  return contact?.officialPerson?.fio ?? contact?.officialPerson?.post ?? contact?.department?.name;
}

/** A contact as people read it: «Иванов И. И., Администрация г. Энска». */
export function contactName(contact: Contact): string {
  return [personName(contact), contact.organization.shortName].filter(Boolean).join(', ');
}

/** The directory's participant for a contact's organization, when the directory knows it. */
export async function organizationOf(tx: Tx, contact: Contact | undefined): Promise<Organization | undefined> {
  const uid = contact?.organization.uid;
  return (uid && (await findParticipantByUid(tx, uid))) || undefined;
}

/** The card's attributes as the passport gives them; absent ones are null so that Editing clears them. */
export function passportAttributes(message: DocInfoMessage) {
  const document = mainDocument(message);
  const signer = document.authors?.find((author) => author.contact?.officialPerson)?.contact?.officialPerson;
  return {
    kind: document.group?.name ?? null,
    annotation: document.annotation ?? null,
    consists: document.consists ?? null,
    note: document.note ?? null,
    documentUid: document.uid ?? null,
    versionUid: document.versionUid ?? null,
    version: document.version ?? null,
    senderDocumentId: document.documentId,
    senderRegNumber: document.registrationInfo.number.trim() || null,
    senderRegDate: toDbDate(document.registrationInfo.date) ?? null,
    signerName: signer?.fio ?? null,
    signerPost: signer?.post ?? null,
    writerName: personName(document.writers?.[0]?.contact) ?? null,
    controlState: document.control?.state ?? 'NoControl',
    controlDeadline: toDbDate(document.control?.deadline) ?? null,
    // Kept from the MainDoc when a later passport orders nothing. Codec types are JSON-plain, but
    // interfaces lack the index signature Prisma's JSON type asks for.
    ...(message.subscriptions && { reportSubscriptions: message.subscriptions as unknown as Prisma.InputJsonObject }),
  } satisfies Prisma.RegistrationCardUncheckedUpdateInput;
}

/** Addressees of an incoming card; a card names each organization once, so its officials share a row. */
export async function addresseeInputs(tx: Tx, document: Document): Promise<Prisma.CardAddresseeUncheckedCreateWithoutCardInput[]> {
  const rows: Prisma.CardAddresseeUncheckedCreateWithoutCardInput[] = [];
  for (const addressee of document.addressees ?? []) {
    const name = addressee.contact ? contactName(addressee.contact) : (addressee.privatePerson?.fio ?? '');
    const organization = await organizationOf(tx, addressee.contact);
    const sameOrganization = organization && rows.find((row) => row.organizationId === organization.id);
    if (sameOrganization) sameOrganization.name += `; ${name}`;
    else rows.push({ organizationId: organization?.id ?? null, name, sendStatus: 'notApplicable' });
  }
  return rows;
}

/** Why the passport cannot be registered without a person, in Russian; empty when it can. */
export function registrationProblems(message: DocInfoMessage): string[] {
  const document = mainDocument(message);
  const problems: string[] = [];
  if (!document.registrationInfo.number.trim()) problems.push('в паспорте нет регистрационного номера документа у отправителя');
  if (!toDbDate(document.registrationInfo.date)) problems.push('в паспорте нет даты регистрации документа у отправителя или она неверна');
  if (!document.annotation?.trim() && !document.files?.length) problems.push('в паспорте нет ни краткого содержания, ни файлов документа');
  return problems;
}

/** The files that go on the card: the document's own and those of its resolutions. */
export function cardDeloFiles(message: DocInfoMessage): DeloFile[] {
  return [...(mainDocument(message).files ?? []), ...(message.tasks ?? []).flatMap((task) => task.files ?? [])];
}

/** SHA-256 of the card's files, sorted and without repeats (as Message.fileHashes keeps them): the document's content. */
export function packageFileHashes(pkg: IncomingPackage): string[] {
  return sortedUnique(cardDeloFiles(pkg.message).map((file) => resourceOf(pkg, file.resourceId, `file ${file.uid}`).sha256));
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

export type FileInput = Prisma.DocumentFileUncheckedCreateWithoutCardInput;

/** DocumentFile rows (with their signatures) for passport files whose bytes the package stored. */
export function fileInputs(pkg: IncomingPackage, files: DeloFile[]): FileInput[] {
  return files.map((file) => {
    const stored = resourceOf(pkg, file.resourceId, `file ${file.uid}`);
    const signatures = (file.signatures ?? []).map((eds) => {
      const signature = resourceOf(pkg, eds.resourceId, `signature of file ${file.uid}`);
      return { size: signature.size, sha256: signature.sha256, storagePath: signature.sha256, kind: eds.kindId ?? null, signedAt: toInstant(eds.date) ?? null };
    });
    return {
      uid: file.uid,
      name: fileName(file, stored),
      size: stored.size,
      sha256: stored.sha256,
      storagePath: stored.sha256,
      signatures: { create: signatures },
    };
  });
}

function resourceOf(pkg: IncomingPackage, resourceId: number, what: string): StoredResource {
  const resource = pkg.resources.find((r) => r.uid === String(resourceId));
  if (!resource) throw new EdmsError('incompletePackage', `${what} refers to resource ${resourceId}, which the package does not hold`);
  return resource;
}

/**
 * DeloFile/Description is the name people gave the file; EDMS differ on whether it ends with the
 * extension. Read like an attachment's name: no folders, no invisible or control characters, so a
 * hostile passport cannot put `../../etc/passwd` or a right-to-left override on a card.
 */
function fileName(file: DeloFile, stored: StoredResource): string {
  const description = file.description.trim();
  const extension = file.extension.trim().replace(/^\./, '');
  const named = !description || !extension || description.toLowerCase().endsWith(`.${extension.toLowerCase()}`) ? description : `${description}.${extension}`;
  return sanitizeAttachmentName(named) || stored.name;
}
