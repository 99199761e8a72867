// Passports and reports SEV writes, as typed codec objects: the DocInfo of an outgoing card for
// one addressee, and the reports (Reception, Registration, Failure) about a received document.
import type { Contact, DeloFile, DocInfoMessage, Document, MessageHeader, Notification, ReportMessage, Resource, Subscriptions, Task } from '../codec/types';
import type { OutgoingAddressee, OutgoingDocument } from '../edms/adapter';
import type { ExchangeRules, OrganizationConfig } from '../workers/config';
import { REPORT_KINDS, type ReportKind, type ReportPolicy } from '../workflows/definitions';

/** Our own organization as a passport contact; its SEV index is its UID in the directory. */
export function ourContact(org: OrganizationConfig): Contact {
  return { organization: { uid: org.sevIndex, shortName: org.shortName, fullName: org.name } };
}

function ourEdms(org: OrganizationConfig) {
  return { uid: org.sevIndex, version: '1.0', name: 'СЭВ' };
}

/** The reports an organization orders when it sends a document: its rules.reportOrder as Subscriptions. */
export function subscriptionsOf(order: ExchangeRules['reportOrder']): Subscriptions {
  const has = (kind: ReportKind) => order.reports.includes(kind);
  return {
    stopDayCount: order.stopDayCount,
    reception: has('Reception'),
    registration: has('Registration'),
    forwarding: { include: has('Forwarding') },
    consideration: { include: has('Consideration') },
    report: has('Report'),
    redirection: has('Redirection'),
    answer: has('Answer'),
  };
}

/** Everything ordered, for 30 days: what SEV orders unless its rules say otherwise. */
export const defaultSubscriptions: Subscriptions = subscriptionsOf({ stopDayCount: 30, reports: [...REPORT_KINDS] });

/**
 * The reports we send about one received document: what its passport ordered (or our own order
 * when it ordered nothing), minus what our rules refuse to everyone or to this correspondent.
 */
export function reportPolicy(ordered: Subscriptions | undefined, rules: ExchangeRules, correspondentSevIndex: string): ReportPolicy {
  const subscriptions = ordered ?? subscriptionsOf(rules.reportOrder);
  const flags: Record<ReportKind, boolean> = {
    Reception: subscriptions.reception,
    Registration: subscriptions.registration,
    Forwarding: subscriptions.forwarding.include,
    Consideration: subscriptions.consideration.include,
    Report: subscriptions.report,
    Redirection: subscriptions.redirection,
    Answer: subscriptions.answer,
  };
  const refused = new Set([...rules.refuseReports, ...(rules.refuseReportsTo[correspondentSevIndex] ?? [])]);
  return {
    ordered: REPORT_KINDS.filter((kind) => flags[kind]),
    refused: REPORT_KINDS.filter((kind) => refused.has(kind)),
    stopDayCount: subscriptions.stopDayCount,
    source: ordered ? 'passport' : 'defaults',
  };
}

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
  kind: DocInfoMessage['kind'] = 'MainDoc',
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
    ...(doc.links?.length ? { links: doc.links.map((link) => ({ linkType: { name: linkNames[link.type] }, documentId: link.documentId })) } : {}),
  };
  // The documents an answer refers to travel beside it, so the addressee finds its own by UID.
  const referred: Document[] = (doc.links ?? []).map((link) => ({
    ...(link.documentUid ? { uid: link.documentUid } : {}),
    documentId: link.documentId,
    type: 'Incoming',
    mainDocument: false,
    registrationInfo: { number: link.number ?? '', date: link.date ?? doc.regDate },
  }));
  const header: MessageHeader<typeof kind> = {
    messageType: kind,
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
      kind,
      header,
      documents: [document, ...referred],
      ...(doc.tasks?.length ? { tasks: doc.tasks } : {}),
      ...(kind === 'MainDoc' ? { subscriptions: subscriptionsOf(org.rules.reportOrder) } : {}),
    } as DocInfoMessage,
    files,
  };
}

const linkNames = { answerTo: 'Ответ на', followUp: 'Во исполнение', related: 'Связан с' } as const;

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

/** An event of our EDMS about a received document, as stored (CardEvent). */
export interface CardEventToReport {
  kind: 'Forwarding' | 'Consideration' | 'Report' | 'Redirection' | 'Answer';
  occurredAt: string;
  data: Record<string, unknown>;
}

/**
 * A report (Report) of EDMS events about a document the correspondent sent us: forwarded,
 * resolutions (with the document's current TaskList), execution reports, sent on, answered (with
 * the answer in the DocumentList).
 */
export function eventReportPassport(
  org: OrganizationConfig,
  received: DocInfoMessage,
  events: CardEventToReport[],
  tasks: Task[],
  ids: { messageId: string; time: string },
): ReportMessage {
  const base = reportPassport(org, received, { event: 'Reception' }, ids);
  const notification: Notification = { initialDoc: base.notification.initialDoc };
  const documents: Document[] = [];
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  for (const event of events) {
    const d = event.data;
    switch (event.kind) {
      case 'Forwarding': {
        const to = (d.to ?? {}) as { name?: string; post?: string; department?: string };
        const person = to.name ? { fio: to.name, ...(to.post ? { post: to.post } : {}) } : { post: to.post ?? '—' };
        (notification.forwardings ??= []).push({
          contact: { ...ourContact(org), ...(to.department ? { department: { name: to.department } } : {}), officialPerson: person },
          date: str(d.date) ?? event.occurredAt,
        });
        break;
      }
      case 'Consideration':
        (notification.considerations ??= []).push({ ...(str(d.taskId) ? { taskId: str(d.taskId) } : {}), ...(str(d.taskUid) ? { initialTaskUid: str(d.taskUid) } : {}) });
        break;
      case 'Report':
        (notification.reports ??= []).push({ ...(str(d.taskId) ? { taskId: str(d.taskId) } : {}) });
        break;
      case 'Redirection': {
        const to = (d.to ?? {}) as { name?: string; uid?: string };
        (notification.redirections ??= []).push({
          contact: { organization: { ...(to.uid ? { uid: to.uid } : {}), shortName: to.name ?? '—' } },
          date: str(d.date) ?? event.occurredAt,
          type: { name: str(d.delivery) ?? 'СЭВ' },
        });
        break;
      }
      case 'Answer': {
        const documentId = str(d.answerCardId) ?? '';
        (notification.answers ??= []).push({ documentId, date: str(d.sentAt) ?? event.occurredAt, type: { name: 'СЭВ' } });
        documents.push({
          ...(str(d.documentUid) ? { uid: str(d.documentUid) } : {}),
          documentId,
          type: 'Created',
          mainDocument: false,
          registrationInfo: { number: str(d.number) ?? '', date: str(d.date) ?? ids.time.slice(0, 10) },
          ...(str(d.kind) ? { group: { name: str(d.kind)! } } : {}),
        });
        break;
      }
    }
  }
  const withTasks = events.some((event) => event.kind === 'Consideration' || event.kind === 'Report');
  return {
    ...base,
    header: { ...base.header, messageType: 'Report' },
    notification,
    ...(documents.length ? { documents } : {}),
    ...(withTasks && tasks.length ? { tasks } : {}),
  };
}
