// A short, flat view of a parsed message: what an operator or a log line needs to recognise it
// (ids, sender, the document's number and date, resources, and a report's events).
import type { Contact, Document, Guid, IsoDate, IsoDateTime, ReportMessage, Resource, SevMessage } from './types';

export interface ContactSummary {
  organization: string;
  organizationUid?: string;
  person?: string;
}

export interface DocumentSummary {
  uid?: Guid;
  versionUid?: Guid;
  documentId?: string;
  number: string;
  date: IsoDate;
}

export type ReportEvent =
  | { event: 'Reception'; date: IsoDateTime }
  | { event: 'Failure'; code: number; text?: string }
  | { event: 'Registration'; documentId?: string; number?: string; date?: IsoDate; systemDate?: IsoDateTime }
  | { event: 'Forwarding'; to: ContactSummary; date: IsoDateTime }
  | { event: 'Consideration'; taskId?: string; initialTaskUid?: Guid }
  | { event: 'Report'; taskId?: string }
  | { event: 'Redirection'; to: ContactSummary | string; date: IsoDateTime; type: string }
  | { event: 'Answer'; documentId: string; number?: string; registrationDate?: IsoDate; date: IsoDateTime; type: string }
  | { event: 'Direction'; visaSign: 'Visa' | 'Sign'; to: ContactSummary; date: IsoDateTime }
  | { event: 'SignInformation'; documentId: string }
  | { event: 'Editing'; documentId: string }
  | { event: 'ProjectRegistration'; documentId: string };

export interface MessageSummary {
  kind: SevMessage['kind'];
  messageType: string;
  messageId: Guid;
  returnId: Guid;
  time: IsoDateTime;
  sender: ContactSummary;
  recipients: ContactSummary[];
  /** The main document of a passport, or the document a report is about. */
  document?: DocumentSummary;
  resources: Resource[];
  events?: ReportEvent[];
}

export function summarizeMessage(message: SevMessage): MessageSummary {
  const { header } = message;
  return {
    kind: message.kind,
    messageType: header.messageType,
    messageId: header.messageId,
    returnId: header.returnId,
    time: header.time,
    sender: summarizeContact(header.sender.contact),
    recipients: header.recipient.contacts.map(summarizeContact),
    document: documentOf(message),
    resources: header.resources,
    events: message.kind === 'Report' ? reportEvents(message) : undefined,
  };
}

function documentOf(message: SevMessage): DocumentSummary | undefined {
  switch (message.kind) {
    case 'MainDoc':
    case 'AddToDoc':
    case 'Editing': {
      const main = message.documents.find((d) => d.mainDocument) ?? message.documents[0];
      return main && summarizeDocument(main);
    }
    case 'Report': {
      const { uid, versionUid, number, date } = message.notification.initialDoc;
      return { uid, versionUid, number, date };
    }
    default:
      return undefined;
  }
}

function summarizeDocument(document: Document): DocumentSummary {
  return {
    uid: document.uid,
    versionUid: document.versionUid,
    documentId: document.documentId,
    number: document.registrationInfo.number,
    date: document.registrationInfo.date,
  };
}

export function summarizeContact(contact: Contact): ContactSummary {
  const person = contact.officialPerson;
  return {
    organization: contact.organization.shortName,
    organizationUid: contact.organization.uid,
    person: person && [person.fio, person.post].filter(Boolean).join(', '),
  };
}

/** The events of a report in schema order, with the addressee's registration data resolved. */
export function reportEvents(report: ReportMessage): ReportEvent[] {
  const n = report.notification;
  const registered = (documentId: string | undefined) => report.documents?.find((d) => d.documentId === documentId)?.registrationInfo;
  const events: ReportEvent[] = [];
  if (n.reception) events.push({ event: 'Reception', date: n.reception });
  if (n.failure) events.push({ event: 'Failure', ...n.failure });
  if (n.registration) {
    const info = registered(n.registration.documentId);
    events.push({ event: 'Registration', ...n.registration, number: info?.number, date: info?.date });
  }
  for (const f of n.forwardings ?? []) events.push({ event: 'Forwarding', to: summarizeContact(f.contact), date: f.date });
  for (const c of n.considerations ?? []) events.push({ event: 'Consideration', ...c });
  for (const r of n.reports ?? []) events.push({ event: 'Report', ...r });
  for (const r of n.redirections ?? []) {
    const to = r.contact ? summarizeContact(r.contact) : r.privatePerson.fio;
    events.push({ event: 'Redirection', to, date: r.date, type: r.type.name });
  }
  for (const a of n.answers ?? []) {
    const info = registered(a.documentId);
    events.push({ event: 'Answer', documentId: a.documentId, number: info?.number, registrationDate: info?.date, date: a.date, type: a.type.name });
  }
  for (const d of n.directions ?? []) events.push({ event: 'Direction', visaSign: d.visaSign, to: summarizeContact(d.contact), date: d.date });
  if (n.signInformation) events.push({ event: 'SignInformation', ...n.signInformation });
  if (n.editing) events.push({ event: 'Editing', documentId: n.editing.documentId });
  if (n.projectRegistration) events.push({ event: 'ProjectRegistration', ...n.projectRegistration });
  return events;
}
