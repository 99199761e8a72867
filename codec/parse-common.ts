// Reading the shared types of CommonInfo.xsd: header, contacts, documents, tasks, subscriptions.
import { EXT2015_NS, EXT2016_NS, EXT2018_NS } from './namespaces';
import { boolean, date, dateTime, directoryUid, guid, int, oneOf, text, type XmlNode } from './read';
import {
  ADDITIONAL_FIELD_TYPES,
  ADVANCE_INFO_TYPES,
  APPROVAL_KINDS,
  CONTROL_STATES,
  DOCUMENT_STATUSES,
  DOCUMENT_TYPES,
  SEXES,
  TASK_TYPES,
  type Address,
  type AdvancedSubscription,
  type Approval,
  type Classifier,
  type Contact,
  type DeloFile,
  type Document,
  type DocumentAuthor,
  type Eds,
  type Edms,
  type Executor,
  type MessageHeader,
  type MessageType,
  type OfficialPerson,
  type PrivatePerson,
  type RegistrationInfo,
  type Subscriptions,
  type Task,
  type TaskControl,
  type TaskDecoration,
} from './types';

/** The header, with the message types the root element allows (a Report cannot be a MainDoc). */
export function readHeader<T extends MessageType>(node: XmlNode, messageTypes: readonly T[]): MessageHeader<T> {
  const sender = node.requiredChild('Sender');
  const recipient = node.requiredChild('Recipient');
  return {
    messageType: node.requiredAttr('MessageType', oneOf(messageTypes)),
    messageId: node.requiredAttr('MessageID', guid),
    returnId: node.requiredAttr('ReturnID', guid),
    version: node.requiredAttr('Version', text),
    time: node.requiredAttr('Time', dateTime),
    timeZone: node.attr('TimeZone', int),
    resourceId: node.requiredAttr('ResourceID', int),
    sender: { contact: readContact(sender.requiredChild('Contact')), edms: readEdms(sender.requiredChild('EDMS')) },
    recipient: { contacts: recipient.requiredList('Contact', readContact), edms: optional(recipient.child('EDMS'), readEdms) },
    resources:
      node.requiredChild('ResourceList').children('Resource').map((resource) => ({
        uid: resource.requiredAttr('UID', text),
        uniqueName: resource.requiredAttr('UniqueName', text),
      })),
  };
}

function readEdms(node: XmlNode): Edms {
  return { uid: node.requiredAttr('UID', directoryUid), version: node.attr('Version', text), name: node.value(text) };
}

export function readContact(node: XmlNode): Contact {
  const organization = node.requiredChild('Organization');
  return {
    organization: {
      uid: organization.attr('UID', directoryUid),
      shortName: organization.requiredChildValue('ShortName', text),
      fullName: organization.childValue('FullName', text),
      inn: organization.childValue('INN', text),
      okpo: organization.childValue('OKPO', text),
    },
    department: optional(node.child('Department'), (department) => ({
      uid: department.attr('UID', text),
      name: department.requiredChildValue('Name', text),
      index: department.childValue('Index', text),
    })),
    officialPerson: optional(node.child('OfficialPerson'), readOfficialPerson),
    addresses: node.list('Address', readAddress),
    econtacts: node.list('Econtact', (econtact) => ({ type: econtact.attr('Type', text), value: econtact.requiredValue(text) })),
  };
}

function readOfficialPerson(node: XmlNode): OfficialPerson {
  const base = { uid: node.attr('UID', text), index: node.childValue('Index', text) };
  const fio = node.childValue('FIO', text);
  const post = node.childValue('Post', text);
  if (fio !== undefined) return { ...base, fio, post };
  if (post !== undefined) return { ...base, post };
  return node.fail('MISSING_ELEMENT', 'у должностного лица нет ни FIO, ни Post', `${node.path}/FIO`);
}

function readAddress(node: XmlNode): Address {
  return {
    zipCode: node.childValue('ZipCode', text),
    region: optionalClassifier(node.child('Region')),
    settlement: node.childValue('Settlement', text),
    text: node.childValue('Text', text),
  };
}

export function readPrivatePerson(node: XmlNode): PrivatePerson {
  return {
    uid: node.attr('UID', text),
    fio: node.requiredChildValue('FIO', text),
    sex: node.childValue('Sex', oneOf(SEXES)),
    inn: node.childValue('INN', text),
    passport: optional(node.child('Passport'), (passport) => ({
      series: passport.requiredChildValue('Series', text),
      number: passport.requiredChildValue('Number', text),
      givenBy: passport.childValue('GivenBy', text),
    })),
    addresses: node.list('Address', readAddress),
    econtacts: node.list('Econtact', (econtact) => ({ type: econtact.attr('Type', text), value: econtact.requiredValue(text) })),
    snils: node.childValue('SNILS', snils),
  };
}

const snils = { expected: 'не больше 14 символов', parse: (raw: string) => (raw.length <= 14 ? raw : undefined) };

/** A text-with-UID directory value (Group, Rubric, Region, …). */
export function readClassifier(node: XmlNode): Classifier {
  return { name: node.requiredValue(text), uid: node.attr('UID', text) };
}

/** An optional classifier; an empty element with no UID counts as absent. */
export function optionalClassifier(node: XmlNode | undefined): Classifier | undefined {
  if (!node) return undefined;
  const classifier = readClassifier(node);
  return classifier.name === '' && classifier.uid === undefined ? undefined : classifier;
}

export function readRegistrationInfo(node: XmlNode): RegistrationInfo {
  return { number: node.requiredChildValue('Number', text), date: node.requiredChildValue('Date', date) };
}

export function readDocument(node: XmlNode): Document {
  return {
    uid: node.attr('UID', guid),
    versionUid: node.attr('VersionUID', guid),
    documentId: node.requiredAttr('DocumentID', text),
    type: node.requiredAttr('Type', oneOf(DOCUMENT_TYPES)),
    mainDocument: node.requiredAttr('MainDocument', boolean),
    status: node.attr('Status', oneOf(DOCUMENT_STATUSES)),
    version: node.attr('Version', int),
    registrationInfo: readRegistrationInfo(node.requiredChild('RegistrationInfo')),
    control: optional(node.child('Control'), (control) => ({
      state: control.requiredAttr('State', oneOf(CONTROL_STATES)),
      deadline: control.childValue('Deadline', date),
      factDate: control.childValue('FactDate', date),
    })),
    group: optionalClassifier(node.child('Group')),
    access: optionalClassifier(node.child('Access')),
    consists: node.childValue('Consists', text),
    annotation: node.childValue('Annotation', text),
    note: node.childValue('Note', text),
    collective: node.childValue('Collective', boolean),
    rubrics: node.list('Rubric', readClassifier),
    files: node.list('File', readFile),
    authors: node.list('Author', readDocumentAuthor),
    visas: node.list('Visa', (visa) => ({
      contact: readContact(visa.requiredChild('Contact')),
      signDate: visa.childValue('SignDate', date),
      visaInfo: visa.childValue('VisaInfo', text),
    })),
    approvals: node.list('Approval', readApproval),
    addressees: node.list('Addressee', (addressee) => ({
      contact: optional(addressee.child('Contact'), readContact),
      privatePerson: optional(addressee.child('PrivatePerson'), readPrivatePerson),
    })),
    writers: node.list('Writer', (writer) => ({
      contact: readContact(writer.requiredChild('Contact')),
      addInfo: writer.childValue('AddInfo', text),
    })),
    additionalFields: node.list('AdditionalField', (field) => ({
      name: field.requiredAttr('Name', text),
      type: field.requiredAttr('Type', oneOf(ADDITIONAL_FIELD_TYPES)),
      value: field.requiredValue(text),
    })),
    links: node.list('Link', (link) => ({
      linkType: readClassifier(link.requiredChild('LinkType')),
      documentId: link.attr('DocumentID', text),
      description: link.attr('Description', text),
      urlString: link.attr('URLString', text),
    })),
    accompDocs: node.list('AccompDoc', (accompDoc) => accompDoc.requiredAttr('DocumentID', text), EXT2016_NS),
    eDocument: node.childValue('EDocument', eDocumentFlag, EXT2016_NS),
  };
}

const eDocumentFlag = { expected: '0 или 1', parse: (raw: string) => (raw === '1' ? true : raw === '0' ? false : undefined) };

function readDocumentAuthor(node: XmlNode): DocumentAuthor {
  return {
    contact: optional(node.child('Contact'), readContact),
    registrationInfo: optional(node.child('RegistrationInfo'), readRegistrationInfo),
    privatePerson: optional(node.child('PrivatePerson'), readPrivatePerson),
  };
}

function readApproval(node: XmlNode): Approval {
  return {
    uid: node.requiredAttr('UID', text),
    kind: node.requiredAttr('Kind', oneOf(APPROVAL_KINDS)),
    contact: readContact(node.requiredChild('Contact')),
    signDate: node.childValue('SignDate', dateTime),
    termDate: node.childValue('TermDate', dateTime, EXT2016_NS),
    mainInfo: node.childValue('MainInfo', text),
    addInfo: node.childValue('AddInfo', text),
    parentContact: optional(node.child('ParentContact'), readContact),
    files: node.list('File', readFile),
  };
}

export function readFile(node: XmlNode): DeloFile {
  return {
    uid: node.requiredAttr('UID', guid),
    resourceId: node.requiredAttr('ResourceID', int),
    size: node.requiredAttr('Size', int),
    description: node.requiredChildValue('Description', text),
    extension: node.requiredChildValue('Extension', text),
    signatures: node.list('EDS', readEds),
    eTag: node.attr('eTag', text, EXT2015_NS),
  };
}

function readEds(node: XmlNode): Eds {
  return {
    resourceId: node.requiredAttr('ResourceID', int),
    date: node.attr('Date', dateTime),
    kindId: node.attr('KindID', int),
    certificate: node.attr('Certificate', text),
    text: node.value(text),
  };
}

export function readTask(node: XmlNode): Task {
  return {
    uid: node.requiredAttr('UID', guid),
    taskId: node.requiredAttr('TaskID', text),
    type: node.requiredAttr('Type', oneOf(TASK_TYPES)),
    privacy: node.requiredAttr('Privacy', boolean),
    number: node.childValue('Number', text),
    author: optional(node.child('Author'), (author) => ({
      contact: readContact(author.requiredChild('Contact')),
      signDate: author.requiredChildValue('SignDate', date),
    })),
    text: node.childValue('Text', text),
    files: node.list('File', readFile),
    executors: node.list('Executor', readExecutor),
    control: optional(node.child('Control'), readTaskControl),
    note: node.childValue('Note', text),
    category: optionalClassifier(node.child('Category')),
    parent: optional(node.child('Parent'), (parent) => ({
      documentId: parent.attr('DocumentID', text),
      taskId: parent.attr('TaskID', text),
    })),
    isProject: node.requiredChildValue('IsProject', boolean),
  };
}

function readExecutor(node: XmlNode): Executor {
  return {
    uid: node.attr('UID', text),
    responsible: node.requiredAttr('Responsible', boolean),
    contact: readContact(node.requiredChild('Contact')),
    text: node.childValue('Text', text),
    date: node.childValue('Date', dateTime),
    status: optionalClassifier(node.child('Status')),
    files: node.list('File', readFile),
  };
}

function readTaskControl(node: XmlNode): TaskControl {
  return {
    state: node.attr('State', oneOf(CONTROL_STATES)),
    contact: optional(node.child('Contact'), readContact),
    deadline: node.childValue('Deadline', date),
    summary: node.childValue('Summary', text),
    factDate: node.childValue('FactDate', date),
    resume: node.childValue('Resume', text),
  };
}

export function readSubscriptions(node: XmlNode): Subscriptions {
  const include = (name: string) => node.requiredChild(name).requiredAttr('Include', boolean);
  const optionalInclude = (name: string) => node.child(name)?.requiredAttr('Include', boolean);
  return {
    stopDayCount: node.requiredAttr('StopDayCount', int),
    reception: include('Reception'),
    registration: include('Registration'),
    forwarding: readAdvancedSubscription(node.requiredChild('Forwarding')),
    consideration: readAdvancedSubscription(node.requiredChild('Consideration')),
    taskDecoration: optional(node.child('TaskDecoration'), readTaskDecoration),
    report: include('Report'),
    redirection: include('Redirection'),
    answer: include('Answer'),
    visaDirection: optionalInclude('VisaDirection'),
    signDirection: optionalInclude('SignDirection'),
    visaInformation: optionalInclude('VisaInformation'),
    signInformation: optionalInclude('SignInformation'),
    projectRegistration: node.child('ProjectRegistrationSubscription', EXT2018_NS)?.requiredAttr('Include', boolean),
  };
}

function readAdvancedSubscription(node: XmlNode): AdvancedSubscription {
  return { include: node.requiredAttr('Include', boolean), advanceInfo: node.attr('AdvanceInfo', oneOf(ADVANCE_INFO_TYPES)) };
}

function readTaskDecoration(node: XmlNode): TaskDecoration {
  const include = (name: string) => node.requiredChild(name).requiredAttr('Include', boolean);
  return {
    text: include('Text'),
    category: include('Category'),
    note: include('Note'),
    controlState: include('ControlState'),
    planDate: include('PlanDate'),
    controller: include('Controller'),
    summary: include('Summary'),
    factDate: include('FactDate'),
    status: include('Status'),
    resume: include('Resume'),
    executor: readAdvancedSubscription(node.requiredChild('Executor')),
    executorReport: include('ExecutorReport'),
  };
}

export function optional<T>(node: XmlNode | undefined, read: (node: XmlNode) => T): T | undefined {
  return node && read(node);
}
