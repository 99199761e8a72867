// Writing the shared types of CommonInfo.xsd. Children are written in the schema's sequence
// order; every element carries its namespace (the SEV one unless an extension says otherwise).
import { create } from 'xmlbuilder2';
import { normalizeGuid } from './guid';
import { EXT2015_NS, EXT2016_NS, EXT2018_NS, PREFIXES, SEV_NS } from './namespaces';
import type {
  Address,
  AdvancedSubscription,
  Approval,
  Classifier,
  Contact,
  DeloFile,
  Document,
  DocumentAuthor,
  Edms,
  Executor,
  MessageHeader,
  PrivatePerson,
  RegistrationInfo,
  Subscriptions,
  Task,
  TaskControl,
  TaskDecoration,
} from './types';

export type XmlParent = ReturnType<typeof create>;
type AttributeValue = string | number | boolean | undefined;

/** A new XML document with the root element `name` in the SEV namespace, serialized after `fill`. */
export function xmlDocument(name: string, fill: (root: XmlParent) => void): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  fill(doc.ele(SEV_NS, name));
  return doc.end({ prettyPrint: true });
}

/** An element with those attributes that are defined. */
export function element(parent: XmlParent, name: string, attributes: Record<string, AttributeValue> = {}, ns = SEV_NS): XmlParent {
  const prefix = PREFIXES[ns];
  const node = parent.ele(ns, prefix ? `${prefix}:${name}` : name);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) node.att(key, xmlChars(String(value)));
  }
  return node;
}

/** A simple-content element; nothing is written when the value is undefined. */
export function leaf(parent: XmlParent, name: string, value: AttributeValue, attributes: Record<string, AttributeValue> = {}, ns = SEV_NS): void {
  if (value !== undefined) textElement(parent, name, String(value), attributes, ns);
}

/** A simple-content element that is written even when it has no text (its attributes matter). */
export function textElement(parent: XmlParent, name: string, text: string | undefined, attributes: Record<string, AttributeValue> = {}, ns = SEV_NS): void {
  const node = element(parent, name, attributes, ns);
  if (text !== undefined) node.txt(xmlChars(text));
}

export function writeClassifier(parent: XmlParent, name: string, value: Classifier | undefined): void {
  if (value) leaf(parent, name, value.name, { UID: value.uid });
}

/** Identity GUIDs go out as 32 upper-case hex digits; anything else is a caller's bug. */
export function formatGuid(value: string): string;
export function formatGuid(value: string | undefined): string | undefined;
export function formatGuid(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const normalized = normalizeGuid(value);
  if (normalized === undefined) throw new TypeError(`not a GUID: ${value}`);
  return normalized;
}

/** Directory UIDs are normalized when they are GUIDs and kept otherwise. */
function directoryUid(value: string | undefined): string | undefined {
  return value === undefined ? undefined : (normalizeGuid(value) ?? value);
}

// Card texts come from an EDMS and may hold control characters that XML 1.0 cannot carry
// (a vertical tab pasted from Word is the usual one); they are dropped rather than making the
// whole passport unreadable for the addressee.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NON_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlChars(value: string): string {
  return value.replace(NON_XML_CHARS, '');
}

export function writeHeader(parent: XmlParent, header: MessageHeader): void {
  const node = element(parent, 'Header', {
    MessageID: formatGuid(header.messageId),
    Version: header.version,
    TimeZone: header.timeZone,
    Time: header.time,
    MessageType: header.messageType,
    ReturnID: formatGuid(header.returnId),
    ResourceID: header.resourceId,
  });
  const sender = element(node, 'Sender');
  writeContact(sender, 'Contact', header.sender.contact);
  writeEdms(sender, header.sender.edms);
  const recipient = element(node, 'Recipient');
  for (const contact of header.recipient.contacts) writeContact(recipient, 'Contact', contact);
  if (header.recipient.edms) writeEdms(recipient, header.recipient.edms);
  const resources = element(node, 'ResourceList');
  for (const resource of header.resources) element(resources, 'Resource', { UID: resource.uid, UniqueName: resource.uniqueName });
}

function writeEdms(parent: XmlParent, edms: Edms): void {
  textElement(parent, 'EDMS', edms.name, { UID: directoryUid(edms.uid), Version: edms.version });
}

export function writeContact(parent: XmlParent, name: string, contact: Contact): void {
  const node = element(parent, name);
  const { organization, department, officialPerson } = contact;
  const org = element(node, 'Organization', { UID: directoryUid(organization.uid) });
  leaf(org, 'ShortName', organization.shortName);
  leaf(org, 'FullName', organization.fullName);
  leaf(org, 'INN', organization.inn);
  leaf(org, 'OKPO', organization.okpo);
  if (department) {
    const dep = element(node, 'Department', { UID: department.uid });
    leaf(dep, 'Name', department.name);
    leaf(dep, 'Index', department.index);
  }
  if (officialPerson) {
    const person = element(node, 'OfficialPerson', { UID: officialPerson.uid });
    leaf(person, 'FIO', officialPerson.fio);
    leaf(person, 'Post', officialPerson.post);
    leaf(person, 'Index', officialPerson.index);
  }
  for (const address of contact.addresses ?? []) writeAddress(node, address);
  for (const econtact of contact.econtacts ?? []) leaf(node, 'Econtact', econtact.value, { Type: econtact.type });
}

function writeAddress(parent: XmlParent, address: Address): void {
  const node = element(parent, 'Address');
  leaf(node, 'ZipCode', address.zipCode);
  writeClassifier(node, 'Region', address.region);
  leaf(node, 'Settlement', address.settlement);
  leaf(node, 'Text', address.text);
}

export function writePrivatePerson(parent: XmlParent, person: PrivatePerson): void {
  const node = element(parent, 'PrivatePerson', { UID: person.uid });
  leaf(node, 'FIO', person.fio);
  leaf(node, 'Sex', person.sex);
  leaf(node, 'INN', person.inn);
  if (person.passport) {
    const passport = element(node, 'Passport');
    leaf(passport, 'Series', person.passport.series);
    leaf(passport, 'Number', person.passport.number);
    leaf(passport, 'GivenBy', person.passport.givenBy);
  }
  for (const address of person.addresses ?? []) writeAddress(node, address);
  for (const econtact of person.econtacts ?? []) leaf(node, 'Econtact', econtact.value, { Type: econtact.type });
  leaf(node, 'SNILS', person.snils);
}

function writeRegistrationInfo(parent: XmlParent, info: RegistrationInfo): void {
  const node = element(parent, 'RegistrationInfo');
  leaf(node, 'Number', info.number);
  leaf(node, 'Date', info.date);
}

export function writeDocumentList(parent: XmlParent, documents: Document[] | undefined): void {
  if (!documents) return;
  const list = element(parent, 'DocumentList');
  for (const document of documents) writeDocument(list, document);
}

function writeDocument(parent: XmlParent, document: Document): void {
  const node = element(parent, 'Document', {
    UID: formatGuid(document.uid),
    DocumentID: document.documentId,
    Type: document.type,
    MainDocument: document.mainDocument,
    Status: document.status,
    Version: document.version,
    VersionUID: formatGuid(document.versionUid),
  });
  writeRegistrationInfo(node, document.registrationInfo);
  if (document.control) {
    const control = element(node, 'Control', { State: document.control.state });
    leaf(control, 'Deadline', document.control.deadline);
    leaf(control, 'FactDate', document.control.factDate);
  }
  writeClassifier(node, 'Group', document.group);
  writeClassifier(node, 'Access', document.access);
  leaf(node, 'Consists', document.consists);
  leaf(node, 'Annotation', document.annotation);
  leaf(node, 'Note', document.note);
  leaf(node, 'Collective', document.collective);
  for (const rubric of document.rubrics ?? []) writeClassifier(node, 'Rubric', rubric);
  for (const file of document.files ?? []) writeFile(node, file);
  for (const author of document.authors ?? []) writeDocumentAuthor(node, author);
  for (const visa of document.visas ?? []) {
    const visaNode = element(node, 'Visa');
    writeContact(visaNode, 'Contact', visa.contact);
    leaf(visaNode, 'SignDate', visa.signDate);
    leaf(visaNode, 'VisaInfo', visa.visaInfo);
  }
  for (const approval of document.approvals ?? []) writeApproval(node, approval);
  for (const addressee of document.addressees ?? []) {
    const addresseeNode = element(node, 'Addressee');
    if (addressee.contact) writeContact(addresseeNode, 'Contact', addressee.contact);
    if (addressee.privatePerson) writePrivatePerson(addresseeNode, addressee.privatePerson);
  }
  for (const writer of document.writers ?? []) {
    const writerNode = element(node, 'Writer');
    writeContact(writerNode, 'Contact', writer.contact);
    leaf(writerNode, 'AddInfo', writer.addInfo);
  }
  for (const field of document.additionalFields ?? []) leaf(node, 'AdditionalField', field.value, { Name: field.name, Type: field.type });
  for (const link of document.links ?? []) {
    const linkNode = element(node, 'Link', { DocumentID: link.documentId, Description: link.description, URLString: link.urlString });
    writeClassifier(linkNode, 'LinkType', link.linkType);
  }
  for (const documentId of document.accompDocs ?? []) element(node, 'AccompDoc', { DocumentID: documentId }, EXT2016_NS);
  if (document.eDocument !== undefined) leaf(node, 'EDocument', document.eDocument ? 1 : 0, {}, EXT2016_NS);
}

function writeDocumentAuthor(parent: XmlParent, author: DocumentAuthor): void {
  const node = element(parent, 'Author');
  if (author.contact) writeContact(node, 'Contact', author.contact);
  if (author.registrationInfo) writeRegistrationInfo(node, author.registrationInfo);
  if (author.privatePerson) writePrivatePerson(node, author.privatePerson);
}

function writeApproval(parent: XmlParent, approval: Approval): void {
  const node = element(parent, 'Approval', { UID: approval.uid, Kind: approval.kind });
  writeContact(node, 'Contact', approval.contact);
  leaf(node, 'SignDate', approval.signDate);
  leaf(node, 'TermDate', approval.termDate, {}, EXT2016_NS);
  leaf(node, 'MainInfo', approval.mainInfo);
  leaf(node, 'AddInfo', approval.addInfo);
  if (approval.parentContact) writeContact(node, 'ParentContact', approval.parentContact);
  for (const file of approval.files ?? []) writeFile(node, file);
}

function writeFile(parent: XmlParent, file: DeloFile): void {
  const node = element(parent, 'File', { UID: formatGuid(file.uid), ResourceID: file.resourceId, Size: file.size });
  if (file.eTag !== undefined) node.att(EXT2015_NS, `${PREFIXES[EXT2015_NS]}:eTag`, xmlChars(file.eTag));
  leaf(node, 'Description', file.description);
  leaf(node, 'Extension', file.extension);
  for (const eds of file.signatures ?? []) {
    textElement(node, 'EDS', eds.text, { ResourceID: eds.resourceId, Date: eds.date, KindID: eds.kindId, Certificate: eds.certificate });
  }
}

export function writeTaskList(parent: XmlParent, tasks: Task[] | undefined): void {
  if (!tasks) return;
  const list = element(parent, 'TaskList');
  for (const task of tasks) writeTask(list, task);
}

function writeTask(parent: XmlParent, task: Task): void {
  const node = element(parent, 'Task', { UID: formatGuid(task.uid), TaskID: task.taskId, Type: task.type, Privacy: task.privacy });
  leaf(node, 'Number', task.number);
  if (task.author) {
    const author = element(node, 'Author');
    writeContact(author, 'Contact', task.author.contact);
    leaf(author, 'SignDate', task.author.signDate);
  }
  leaf(node, 'Text', task.text);
  for (const file of task.files ?? []) writeFile(node, file);
  for (const executor of task.executors ?? []) writeExecutor(node, executor);
  if (task.control) writeTaskControl(node, task.control);
  leaf(node, 'Note', task.note);
  writeClassifier(node, 'Category', task.category);
  if (task.parent) element(node, 'Parent', { DocumentID: task.parent.documentId, TaskID: task.parent.taskId });
  leaf(node, 'IsProject', task.isProject);
}

function writeExecutor(parent: XmlParent, executor: Executor): void {
  const node = element(parent, 'Executor', { UID: executor.uid, Responsible: executor.responsible });
  writeContact(node, 'Contact', executor.contact);
  leaf(node, 'Text', executor.text);
  leaf(node, 'Date', executor.date);
  writeClassifier(node, 'Status', executor.status);
  for (const file of executor.files ?? []) writeFile(node, file);
}

function writeTaskControl(parent: XmlParent, control: TaskControl): void {
  const node = element(parent, 'Control', { State: control.state });
  if (control.contact) writeContact(node, 'Contact', control.contact);
  leaf(node, 'Deadline', control.deadline);
  leaf(node, 'Summary', control.summary);
  leaf(node, 'FactDate', control.factDate);
  leaf(node, 'Resume', control.resume);
}

export function writeSubscriptions(parent: XmlParent, subscriptions: Subscriptions | undefined): void {
  if (!subscriptions) return;
  const node = element(parent, 'Subscriptions', { StopDayCount: subscriptions.stopDayCount });
  const include = (name: string, value: boolean | undefined) => {
    if (value !== undefined) element(node, name, { Include: value });
  };
  include('Reception', subscriptions.reception);
  include('Registration', subscriptions.registration);
  writeAdvancedSubscription(node, 'Forwarding', subscriptions.forwarding);
  writeAdvancedSubscription(node, 'Consideration', subscriptions.consideration);
  if (subscriptions.taskDecoration) writeTaskDecoration(node, subscriptions.taskDecoration);
  include('Report', subscriptions.report);
  include('Redirection', subscriptions.redirection);
  include('Answer', subscriptions.answer);
  include('VisaDirection', subscriptions.visaDirection);
  include('SignDirection', subscriptions.signDirection);
  include('VisaInformation', subscriptions.visaInformation);
  include('SignInformation', subscriptions.signInformation);
  if (subscriptions.projectRegistration !== undefined) {
    element(node, 'ProjectRegistrationSubscription', { Include: subscriptions.projectRegistration }, EXT2018_NS);
  }
}

function writeAdvancedSubscription(parent: XmlParent, name: string, subscription: AdvancedSubscription): void {
  element(parent, name, { Include: subscription.include, AdvanceInfo: subscription.advanceInfo });
}

function writeTaskDecoration(parent: XmlParent, decoration: TaskDecoration): void {
  const node = element(parent, 'TaskDecoration');
  const include = (name: string, value: boolean) => element(node, name, { Include: value });
  include('Text', decoration.text);
  include('Category', decoration.category);
  include('Note', decoration.note);
  include('ControlState', decoration.controlState);
  include('PlanDate', decoration.planDate);
  include('Controller', decoration.controller);
  include('Summary', decoration.summary);
  include('FactDate', decoration.factDate);
  include('Status', decoration.status);
  include('Resume', decoration.resume);
  writeAdvancedSubscription(node, 'Executor', decoration.executor);
  include('ExecutorReport', decoration.executorReport);
}
