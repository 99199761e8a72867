// The EOS СЭВ wire format as typed, JSON-plain objects. Names follow the schema's elements and
// attributes in camelCase (repeated elements in the plural); cardinalities and enumerations are
// the schema's own (CommonInfo.xsd, DocumentInfo.xsd, ReportInfo.xsd, SyncInfo.xsd,
// SyncReport.xsd and the SevExt2015/2016/2018 extensions). Optional lists are omitted, never empty.

/** xs:dateTime exactly as written on the wire, e.g. `2015-01-14T16:07:29.8048168+03:00`. */
export type IsoDateTime = string;
/** xs:date, `YYYY-MM-DD`. */
export type IsoDate = string;
/** A GUID as 32 upper-case hex digits; the builder also accepts the dashed form. */
export type Guid = string;

// Enumerations are kept as value lists so the parser validates against the same source.
export const MESSAGE_TYPES = ['MainDoc', 'AddToDoc', 'Reception', 'Failure', 'Report', 'Editing'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const DOC_INFO_KINDS = ['MainDoc', 'AddToDoc', 'Editing'] as const;
export type DocInfoKind = (typeof DOC_INFO_KINDS)[number];
export const REPORT_MESSAGE_TYPES = ['Reception', 'Failure', 'Report'] as const;
export type ReportMessageType = (typeof REPORT_MESSAGE_TYPES)[number];

export const DOCUMENT_TYPES = ['Created', 'Incoming', 'Project'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export const DOCUMENT_STATUSES = [
  'Created',
  'AtSight',
  'Initialed',
  'AtSignature',
  'Signed',
  'NotSigned',
  'AtRegistration1',
  'AtRegistration2',
  'Registered',
] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];
export const CONTROL_STATES = ['NoControl', 'UnderControl', 'EndedControl'] as const;
export type ControlState = (typeof CONTROL_STATES)[number];
export const TASK_TYPES = ['Resolution', 'Point'] as const;
export type TaskType = (typeof TASK_TYPES)[number];
export const APPROVAL_KINDS = ['Sign', 'Visa'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
export const ADDITIONAL_FIELD_TYPES = ['Text', 'Date', 'Decimal', 'Flag'] as const;
export type AdditionalFieldType = (typeof ADDITIONAL_FIELD_TYPES)[number];
export const SEXES = ['Female', 'Male', 'Undefined'] as const;
export type Sex = (typeof SEXES)[number];
export const ADVANCE_INFO_TYPES = ['First', 'All'] as const;
export type AdvanceInfoType = (typeof ADVANCE_INFO_TYPES)[number];
export const VISA_SIGN_TYPES = ['Visa', 'Sign'] as const;
export type VisaSignType = (typeof VISA_SIGN_TYPES)[number];
export const SYNC_RESULTS = [
  'Добавлен',
  'Присвоен идент.код ДЛ',
  'Изменено поле ФИО',
  'Изменено поле Должность',
  'Изменено поле Подразделение',
  'Лог. удален/восстановлен',
  'Изменен Индекс СЭВ',
] as const;
export type SyncResult = (typeof SYNC_RESULTS)[number];

// ---------------------------------------------------------------------------------------------
// Header and contacts

export interface MessageHeader<T extends MessageType = MessageType> {
  messageType: T;
  messageId: Guid;
  /** Echoed in every report about this message; required by the schema even on MainDoc. */
  returnId: Guid;
  version: string;
  time: IsoDateTime;
  timeZone?: number;
  /** The resource that holds this XML itself (usually 0). */
  resourceId: number;
  sender: Sender;
  recipient: Recipient;
  resources: Resource[];
}

export interface Sender {
  contact: Contact;
  edms: Edms;
}

export interface Recipient {
  /** At least one. */
  contacts: Contact[];
  edms?: Edms;
}

/** The sending or receiving EDMS installation (`EDMS`, text is the product name, e.g. «Дело»). */
export interface Edms {
  uid: string;
  version?: string;
  name?: string;
}

/** One attachment of the package; `File@ResourceID` and `EDS@ResourceID` refer to `uid`. */
export interface Resource {
  uid: string;
  uniqueName: string;
}

export interface Contact {
  organization: Organization;
  department?: Department;
  officialPerson?: OfficialPerson;
  addresses?: Address[];
  econtacts?: Econtact[];
}

export interface Organization {
  uid?: string;
  shortName: string;
  fullName?: string;
  inn?: string;
  okpo?: string;
}

export interface Department {
  uid?: string;
  name: string;
  index?: string;
}

/** An official (ДЛ): the schema requires FIO, or Post alone. */
export type OfficialPerson = {
  uid?: string;
  index?: string;
} & ({ fio: string; post?: string } | { fio?: undefined; post: string });

export interface Address {
  zipCode?: string;
  region?: Classifier;
  settlement?: string;
  text?: string;
}

export interface Econtact {
  type?: string;
  value: string;
}

export interface PrivatePerson {
  uid?: string;
  fio: string;
  sex?: Sex;
  inn?: string;
  passport?: Passport;
  addresses?: Address[];
  econtacts?: Econtact[];
  /** At most 14 characters. */
  snils?: string;
}

export interface Passport {
  series: string;
  number: string;
  givenBy?: string;
}

/** A directory value written as text with an optional directory UID (Group, Rubric, Region, …). */
export interface Classifier {
  name: string;
  uid?: string;
}

// ---------------------------------------------------------------------------------------------
// Documents (registration cards)

export interface RegistrationInfo {
  number: string;
  date: IsoDate;
}

export interface Document {
  uid?: Guid;
  versionUid?: Guid;
  /** The sender's own id of the card. */
  documentId: string;
  type: DocumentType;
  mainDocument: boolean;
  status?: DocumentStatus;
  version?: number;
  registrationInfo: RegistrationInfo;
  control?: DocumentControl;
  group?: Classifier;
  access?: Classifier;
  consists?: string;
  annotation?: string;
  note?: string;
  collective?: boolean;
  rubrics?: Classifier[];
  files?: DeloFile[];
  authors?: DocumentAuthor[];
  visas?: Visa[];
  approvals?: Approval[];
  addressees?: Addressee[];
  writers?: Writer[];
  additionalFields?: AdditionalField[];
  links?: Link[];
  /** Ext2016 `AccompDoc@DocumentID`: accompanying documents. */
  accompDocs?: string[];
  /** Ext2016 `EDocument` (0/1): the original is electronic. */
  eDocument?: boolean;
}

export interface DocumentControl {
  state: ControlState;
  deadline?: IsoDate;
  factDate?: IsoDate;
}

/** A file of a card, task, approval or execution report (`DeloFile`). */
export interface DeloFile {
  uid: Guid;
  resourceId: number;
  size: number;
  description: string;
  extension: string;
  /** The `EDS` elements: detached signatures of this file. */
  signatures?: Eds[];
  /** Ext2015 `eTag`: the file's version tag. */
  eTag?: string;
}

/** A detached signature (`EDS`), itself a resource of the package. */
export interface Eds {
  resourceId: number;
  date?: IsoDateTime;
  kindId?: number;
  certificate?: string;
  text?: string;
}

export interface DocumentAuthor {
  contact?: Contact;
  registrationInfo?: RegistrationInfo;
  privatePerson?: PrivatePerson;
}

export interface Visa {
  contact: Contact;
  signDate?: IsoDate;
  visaInfo?: string;
}

export interface Approval {
  uid: string;
  kind: ApprovalKind;
  contact: Contact;
  signDate?: IsoDateTime;
  /** Ext2016 `TermDate`. */
  termDate?: IsoDateTime;
  mainInfo?: string;
  addInfo?: string;
  parentContact?: Contact;
  files?: DeloFile[];
}

export interface Addressee {
  contact?: Contact;
  privatePerson?: PrivatePerson;
}

export interface Writer {
  contact: Contact;
  addInfo?: string;
}

export interface AdditionalField {
  name: string;
  type: AdditionalFieldType;
  value: string;
}

export interface Link {
  linkType: Classifier;
  documentId?: string;
  description?: string;
  urlString?: string;
}

// ---------------------------------------------------------------------------------------------
// Tasks (резолюции и пункты) and execution reports

export interface Task {
  uid: Guid;
  taskId: string;
  type: TaskType;
  privacy: boolean;
  number?: string;
  author?: ResolutionAuthor;
  text?: string;
  files?: DeloFile[];
  executors?: Executor[];
  control?: TaskControl;
  note?: string;
  category?: Classifier;
  parent?: TaskParent;
  isProject: boolean;
}

export interface ResolutionAuthor {
  contact: Contact;
  signDate: IsoDate;
}

/** An executor; `text`, `date`, `status` and `files` are the execution report (отчёт об исполнении). */
export interface Executor {
  uid?: string;
  responsible: boolean;
  contact: Contact;
  text?: string;
  date?: IsoDateTime;
  status?: Classifier;
  files?: DeloFile[];
}

/** Control of a task: the controller (`contact`), deadline and outcome. */
export interface TaskControl {
  state?: ControlState;
  contact?: Contact;
  deadline?: IsoDate;
  summary?: string;
  factDate?: IsoDate;
  resume?: string;
}

export interface TaskParent {
  documentId?: string;
  taskId?: string;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions: the correspondent's order of reports

export interface Subscriptions {
  stopDayCount: number;
  reception: boolean;
  registration: boolean;
  forwarding: AdvancedSubscription;
  consideration: AdvancedSubscription;
  taskDecoration?: TaskDecoration;
  report: boolean;
  redirection: boolean;
  answer: boolean;
  visaDirection?: boolean;
  signDirection?: boolean;
  visaInformation?: boolean;
  signInformation?: boolean;
  /** Ext2018 `ProjectRegistrationSubscription@Include`. */
  projectRegistration?: boolean;
}

export interface AdvancedSubscription {
  include: boolean;
  advanceInfo?: AdvanceInfoType;
}

/** Which task details the correspondent wants reported. */
export interface TaskDecoration {
  text: boolean;
  category: boolean;
  note: boolean;
  controlState: boolean;
  planDate: boolean;
  controller: boolean;
  summary: boolean;
  factDate: boolean;
  status: boolean;
  resume: boolean;
  executor: AdvancedSubscription;
  executorReport: boolean;
}

// ---------------------------------------------------------------------------------------------
// Reports (доклады)

export interface Notification {
  initialDoc: InitialDoc;
  reception?: IsoDateTime;
  failure?: Failure;
  registration?: Registration;
  forwardings?: Forwarding[];
  considerations?: Consideration[];
  reports?: TaskReport[];
  redirections?: Redirection[];
  answers?: Answer[];
  directions?: Direction[];
  signInformation?: { documentId: string };
  /** Ext2016 `Editing`: the card was edited. */
  editing?: { documentId: string; text?: string };
  /** Ext2018 `ProjectRegistrationNotification`. */
  projectRegistration?: { documentId: string };
}

/** The document the report is about, as the correspondent registered it. */
export interface InitialDoc {
  uid: Guid;
  versionUid?: Guid;
  number: string;
  date: IsoDate;
  group?: Classifier;
}

export interface Failure {
  code: number;
  text?: string;
}

/** Registered: `documentId` names the addressee's card in the report's documents. */
export interface Registration {
  documentId?: string;
  systemDate?: IsoDateTime;
}

export interface Forwarding {
  contact: Contact;
  date: IsoDateTime;
}

/** A task was created, edited or deleted; the task itself travels in the report's tasks. */
export interface Consideration {
  taskId?: string;
  initialTaskUid?: Guid;
}

/** An execution report; the executor's report travels in the report's tasks. */
export interface TaskReport {
  taskId?: string;
}

export type Redirection = ({ contact: Contact; privatePerson?: undefined } | { contact?: undefined; privatePerson: PrivatePerson }) & {
  date: IsoDateTime;
  type: Classifier;
};

/** An answer was sent: `documentId` names the answer in the report's documents. */
export interface Answer {
  documentId: string;
  date: IsoDateTime;
  type: Classifier;
}

/** Sent for visa or signature (the schema's declaration of it is broken; see the README). */
export interface Direction {
  visaSign: VisaSignType;
  contact: Contact;
  date: IsoDateTime;
}

// ---------------------------------------------------------------------------------------------
// Directory synchronisation

export interface SyncContact {
  contact: Contact;
  contactInfo: { deleted: boolean; identityCode: string };
}

export interface SyncDepartments {
  operationName: string;
  /** At least one. */
  contacts: SyncContact[];
}

export interface SyncDepartmentsReport {
  operationName: string;
  results?: ResultContact[];
}

export interface ResultContact {
  syncContact: SyncContact;
  /** At least one. */
  results: SyncResult[];
}

// ---------------------------------------------------------------------------------------------
// Messages

interface DocInfoOf<K extends DocInfoKind> {
  kind: K;
  header: MessageHeader<K>;
  /** At least one. */
  documents: Document[];
  tasks?: Task[];
  subscriptions?: Subscriptions;
}

/** A passport (`DocInfo`); `kind` is always the header's message type. */
export type DocInfoMessage = DocInfoOf<'MainDoc'> | DocInfoOf<'AddToDoc'> | DocInfoOf<'Editing'>;

export interface ReportMessage {
  kind: 'Report';
  header: MessageHeader<ReportMessageType>;
  notification: Notification;
  /** The addressee's cards the events refer to (registered card, answer). */
  documents?: Document[];
  /** The tasks the events refer to (Consideration, Report). */
  tasks?: Task[];
}

export interface SyncInfoMessage {
  kind: 'SyncInfo';
  header: MessageHeader;
  syncDepartments?: SyncDepartments;
}

export interface SyncReportMessage {
  kind: 'SyncReport';
  header: MessageHeader;
  syncDepartments?: SyncDepartmentsReport;
}

export type SevMessage = DocInfoMessage | ReportMessage | SyncInfoMessage | SyncReportMessage;
export type SevMessageKind = SevMessage['kind'];
