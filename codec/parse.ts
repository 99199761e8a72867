// parseMessage: untrusted bytes → a typed SEV message, or a SevXmlError and nothing else.
import { DEFAULT_MAX_BYTES, decodeXml } from './decode';
import { SevXmlError } from './errors';
import { EXT2016_NS, EXT2018_NS, SEV_NS } from './namespaces';
import {
  optional,
  optionalClassifier,
  readClassifier,
  readContact,
  readDocument,
  readHeader,
  readPrivatePerson,
  readSubscriptions,
  readTask,
} from './parse-common';
import { boolean, date, dateTime, guid, int, oneOf, text, XmlNode } from './read';
import { parseTree } from './tree';
import {
  DOC_INFO_KINDS,
  MESSAGE_TYPES,
  REPORT_MESSAGE_TYPES,
  SYNC_RESULTS,
  VISA_SIGN_TYPES,
  type DocInfoMessage,
  type Notification,
  type Redirection,
  type ReportMessage,
  type SevMessage,
  type SyncContact,
  type SyncInfoMessage,
  type SyncReportMessage,
} from './types';

export { DEFAULT_MAX_BYTES } from './decode';
export { SevXmlError, type SevXmlErrorCode } from './errors';

export interface ParseOptions {
  /** Inputs above this size are refused before anything else is done (default 10 MB). */
  maxBytes?: number;
}

// A real passport nests about a dozen levels, holds a few thousand elements and puts at most a
// dozen attributes (namespace declarations included) on one element.
const LIMITS = { maxDepth: 64, maxElements: 100_000, maxAttributes: 256, maxTotalAttributes: 200_000 };

export function parseMessage(input: Buffer | Uint8Array, options: ParseOptions = {}): SevMessage {
  try {
    const xml = decodeXml(input, options.maxBytes ?? DEFAULT_MAX_BYTES);
    return withoutUndefined(readRoot(XmlNode.root(parseTree(xml, LIMITS))));
  } catch (err) {
    if (err instanceof SevXmlError) throw err;
    // A bug here must still reach the caller as a refusal of this input, not crash the handler.
    throw new SevXmlError('INTERNAL', `внутренняя ошибка разбора: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err });
  }
}

const ROOTS = {
  DocInfo: readDocInfo,
  Report: readReport,
  SyncInfo: readSyncInfo,
  SyncReport: readSyncReport,
} satisfies Record<string, (root: XmlNode) => SevMessage>;

function readRoot(root: XmlNode): SevMessage {
  const { local, ns } = root;
  if (!Object.hasOwn(ROOTS, local)) {
    return root.fail('WRONG_ROOT', `корневой элемент ${local}: ожидается DocInfo, Report, SyncInfo или SyncReport`);
  }
  if (ns !== SEV_NS) {
    return root.fail('WRONG_NAMESPACE', `пространство имён корневого элемента «${ns}»: ожидается ${SEV_NS}`);
  }
  return ROOTS[local as keyof typeof ROOTS](root);
}

function readDocInfo(root: XmlNode): DocInfoMessage {
  const header = readHeader(root.requiredChild('Header'), DOC_INFO_KINDS);
  return {
    kind: header.messageType,
    header,
    documents: root.requiredChild('DocumentList').requiredList('Document', readDocument),
    tasks: optional(root.child('TaskList'), (list) => list.requiredList('Task', readTask)),
    subscriptions: optional(root.child('Subscriptions'), readSubscriptions),
    // kind and header.messageType are one value, which TypeScript cannot follow into the union.
  } as DocInfoMessage;
}

function readReport(root: XmlNode): ReportMessage {
  return {
    kind: 'Report',
    header: readHeader(root.requiredChild('Header'), REPORT_MESSAGE_TYPES),
    notification: readNotification(root.requiredChild('Notification')),
    documents: optional(root.child('DocumentList'), (list) => list.requiredList('Document', readDocument)),
    tasks: optional(root.child('TaskList'), (list) => list.requiredList('Task', readTask)),
  };
}

function readNotification(node: XmlNode): Notification {
  const initialDoc = node.requiredChild('InitialDoc');
  return {
    initialDoc: {
      uid: initialDoc.requiredAttr('UID', guid),
      versionUid: initialDoc.attr('VersionUID', guid),
      number: initialDoc.requiredChildValue('Number', text),
      date: initialDoc.requiredChildValue('Date', date),
      group: optionalClassifier(initialDoc.child('Group')),
    },
    reception: node.childValue('Reception', dateTime),
    failure: optional(node.child('Failure'), (failure) => ({ code: failure.requiredAttr('Code', int), text: failure.value(text) })),
    registration: optional(node.child('Registration'), (registration) => ({
      documentId: registration.attr('DocumentID', text),
      systemDate: registration.attr('SystemDate', dateTime),
    })),
    forwardings: node.list('Forwarding', (forwarding) => ({
      contact: readContact(forwarding.requiredChild('Contact')),
      date: forwarding.requiredChildValue('Date', dateTime),
    })),
    considerations: node.list('Consideration', (consideration) => ({
      taskId: consideration.attr('TaskID', text),
      initialTaskUid: consideration.attr('InitialTaskUID', guid),
    })),
    reports: node.list('Report', (report) => ({ taskId: report.attr('TaskID', text) })),
    redirections: node.list('Redirection', readRedirection),
    answers: node.list('Answer', (answer) => ({
      documentId: answer.requiredAttr('DocumentID', text),
      date: answer.requiredChildValue('Date', dateTime),
      type: readClassifier(answer.requiredChild('Type')),
    })),
    // Read as the schema means it: its declaration names the children "Contact " and "Date ".
    directions: node.list('Direction', (direction) => ({
      visaSign: direction.requiredAttr('VisaSign', oneOf(VISA_SIGN_TYPES)),
      contact: readContact(direction.requiredChild('Contact')),
      date: direction.requiredChildValue('Date', dateTime),
    })),
    signInformation: optional(node.child('SignInformation'), (sign) => ({ documentId: sign.requiredAttr('DocumentID', text) })),
    editing: optional(node.child('Editing', EXT2016_NS), (editing) => ({
      documentId: editing.requiredAttr('DocumentID', text),
      text: editing.value(text),
    })),
    projectRegistration: optional(node.child('ProjectRegistrationNotification', EXT2018_NS), (project) => ({
      documentId: project.requiredAttr('DocumentID', text),
    })),
  };
}

function readRedirection(node: XmlNode): Redirection {
  const when = { date: node.requiredChildValue('Date', dateTime), type: readClassifier(node.requiredChild('Type')) };
  const contact = node.child('Contact');
  if (contact) return { contact: readContact(contact), ...when };
  return { privatePerson: readPrivatePerson(node.requiredChild('PrivatePerson')), ...when };
}

function readSyncInfo(root: XmlNode): SyncInfoMessage {
  return {
    kind: 'SyncInfo',
    header: readHeader(root.requiredChild('Header'), MESSAGE_TYPES),
    syncDepartments: optional(root.child('SyncDepartments'), (departments) => ({
      operationName: departments.requiredAttr('OperationName', text),
      contacts: departments.requiredList('SyncContact', readSyncContact),
    })),
  };
}

function readSyncReport(root: XmlNode): SyncReportMessage {
  return {
    kind: 'SyncReport',
    header: readHeader(root.requiredChild('Header'), MESSAGE_TYPES),
    syncDepartments: optional(root.child('SyncDepartments'), (departments) => ({
      operationName: departments.requiredAttr('OperationName', text),
      results: departments.list('ResultContact', (result) => ({
        syncContact: readSyncContact(result.requiredChild('SyncContact')),
        results: result.requiredChild('ResultInfo').requiredList('Result', (r) => r.requiredValue(oneOf(SYNC_RESULTS))),
      })),
    })),
  };
}

function readSyncContact(node: XmlNode): SyncContact {
  const info = node.requiredChild('ContactInfo');
  return {
    contact: readContact(node.requiredChild('Contact')),
    contactInfo: { deleted: info.requiredAttr('Deleted', boolean), identityCode: info.requiredAttr('IdentityCode', text) },
  };
}

/** The mappers write every optional field; absent ones are dropped so the result is JSON-plain. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutUndefined(v)])) as T;
}
