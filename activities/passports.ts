// Passports and reports SEV writes, as typed codec objects: the DocInfo of an outgoing card for
// one addressee, and the reports (Reception, Registration, Failure) about a received document.
import type { Contact, DeloFile, DocInfoMessage, Document, MessageHeader, ReportMessage, Resource, Subscriptions } from '../codec/types';
import type { OutgoingAddressee, OutgoingDocument } from '../edms/adapter';
import type { OrganizationConfig } from '../workers/config';

/** Our own organization as a passport contact; its SEV index is its UID in the directory. */
export function ourContact(org: OrganizationConfig): Contact {
  return { organization: { uid: org.sevIndex, shortName: org.shortName, fullName: org.name } };
}

function ourEdms(org: OrganizationConfig) {
  return { uid: org.sevIndex, version: '1.0', name: 'СЭВ' };
}

/** The reports SEV orders from an addressee when it sends a document. */
export const defaultSubscriptions: Subscriptions = {
  stopDayCount: 30,
  reception: true,
  registration: true,
  forwarding: { include: true },
  consideration: { include: true },
  report: true,
  redirection: true,
  answer: true,
};

export interface PassportFile {
  resource: Resource;
  /** Content key in the blob store. */
  sha256: string;
}

/** The DocInfo (MainDoc) of an outgoing card for one addressee, with the list of its resources. */
export function outgoingPassport(
  org: OrganizationConfig,
  doc: OutgoingDocument,
  addressee: OutgoingAddressee,
  ids: { messageId: string; time: string },
): { message: DocInfoMessage; files: PassportFile[] } {
  const files: PassportFile[] = [];
  const deloFiles: DeloFile[] = doc.files.map((file, i) => {
    const resourceId = files.length + 1;
    files.push({ resource: { uid: String(resourceId), uniqueName: file.name }, sha256: file.sha256 });
    const signatures = file.signatures.map((sig, j) => {
      const sigId = files.length + 1;
      files.push({ resource: { uid: String(sigId), uniqueName: `${file.name}${j === 0 ? '' : `.${j}`}.sig` }, sha256: sig.sha256 });
      return { resourceId: sigId };
    });
    const dot = file.name.lastIndexOf('.');
    return {
      uid: fileUid(doc.documentUid, i),
      resourceId,
      size: file.size,
      description: file.name,
      extension: dot > 0 ? file.name.slice(dot + 1) : '',
      // The version tag of a file is its SHA-256: the receiver checks the content against it.
      eTag: file.sha256,
      ...(signatures.length ? { signatures } : {}),
    };
  });
  const addresseeContact: Contact = {
    organization: { uid: addressee.sevIndex, shortName: addressee.name },
    ...(addressee.officialName || addressee.officialPost
      ? { officialPerson: addressee.officialName ? { fio: addressee.officialName, post: addressee.officialPost } : { post: addressee.officialPost! } }
      : {}),
  };
  const document: Document = {
    uid: doc.documentUid,
    ...(doc.versionUid ? { versionUid: doc.versionUid } : {}),
    documentId: doc.cardId,
    type: 'Created',
    mainDocument: true,
    registrationInfo: { number: doc.regNumber, date: doc.regDate },
    ...(doc.kind ? { group: { name: doc.kind } } : {}),
    ...(doc.consists ? { consists: doc.consists } : {}),
    ...(doc.annotation ? { annotation: doc.annotation } : {}),
    ...(doc.note ? { note: doc.note } : {}),
    ...(deloFiles.length ? { files: deloFiles } : {}),
    authors: [
      {
        contact: {
          ...ourContact(org),
          ...(doc.signer ? { officialPerson: { fio: doc.signer.name, ...(doc.signer.post ? { post: doc.signer.post } : {}) } } : {}),
        },
        registrationInfo: { number: doc.regNumber, date: doc.regDate },
      },
    ],
    addressees: [{ contact: addresseeContact }],
    ...(doc.writer ? { writers: [{ contact: { ...ourContact(org), officialPerson: { fio: doc.writer } } }] } : {}),
  };
  const header: MessageHeader<'MainDoc'> = {
    messageType: 'MainDoc',
    messageId: ids.messageId,
    // Required by the schema even on a MainDoc; EOS systems echo the MessageID here.
    returnId: ids.messageId,
    version: '1.0',
    time: ids.time,
    resourceId: 0,
    sender: { contact: ourContact(org), edms: ourEdms(org) },
    recipient: { contacts: [addresseeContact] },
    resources: [{ uid: '0', uniqueName: 'DocInfo.xml' }, ...files.map((f) => f.resource)],
  };
  return {
    message: {
      kind: 'MainDoc',
      header,
      documents: [document],
      ...(doc.tasks?.length ? { tasks: doc.tasks } : {}),
      subscriptions: defaultSubscriptions,
    },
    files,
  };
}

function fileUid(documentUid: string, index: number): string {
  // Stable per document and position, 32 hex digits like every GUID SEV writes.
  return (documentUid.slice(0, 24) + index.toString(16).toUpperCase().padStart(8, '0')).slice(0, 32);
}

export type ReportEventToSend =
  | { event: 'Reception' }
  | { event: 'Registration'; cardId: string; number: string; date: string }
  | { event: 'Failure'; code: number; text?: string };

/** A report (доклад) about a document the correspondent sent us. */
export function reportPassport(
  org: OrganizationConfig,
  received: DocInfoMessage,
  report: ReportEventToSend,
  ids: { messageId: string; time: string },
): ReportMessage {
  const original = received.documents[0];
  const initialDoc = {
    uid: original?.uid ?? received.header.messageId,
    ...(original?.versionUid ? { versionUid: original.versionUid } : {}),
    number: original?.registrationInfo.number ?? '',
    date: original?.registrationInfo.date ?? ids.time.slice(0, 10),
  };
  const messageType = report.event === 'Reception' ? 'Reception' : report.event === 'Failure' ? 'Failure' : 'Report';
  const base: ReportMessage = {
    kind: 'Report',
    header: {
      messageType,
      messageId: ids.messageId,
      returnId: received.header.messageId,
      version: '1.0',
      time: ids.time,
      resourceId: 0,
      sender: { contact: ourContact(org), edms: ourEdms(org) },
      recipient: { contacts: [received.header.sender.contact] },
      resources: [{ uid: '0', uniqueName: 'Report.xml' }],
    },
    notification: { initialDoc },
  };
  switch (report.event) {
    case 'Reception':
      return { ...base, notification: { initialDoc, reception: ids.time } };
    case 'Failure':
      return { ...base, notification: { initialDoc, failure: { code: report.code, ...(report.text ? { text: report.text } : {}) } } };
    case 'Registration':
      return {
        ...base,
        notification: { initialDoc, registration: { documentId: report.cardId, systemDate: ids.time } },
        // The addressee's card: its number and date are what the correspondent shows.
        documents: [
          {
            documentId: report.cardId,
            type: 'Incoming',
            mainDocument: true,
            registrationInfo: { number: report.number, date: report.date },
          },
        ],
      };
  }
}
