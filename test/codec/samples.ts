// Sample SEV messages as typed objects: every message kind and every report event, from the
// smallest valid passport to one that uses every element of a registration card. GUIDs are in
// their normalized form so that parse(build(sample)) equals the sample.
import type {
  Contact,
  DeloFile,
  DocInfoMessage,
  Document,
  MessageHeader,
  MessageType,
  Notification,
  ReportMessage,
  ReportMessageType,
  Resource,
  SevMessage,
  SyncContact,
  Task,
} from '../../codec/types';

/** A fixed GUID per number, so failures are readable and samples never change. */
const uid = (n: number) => `5E7A0000C0DE4000A000${n.toString(16).toUpperCase().padStart(12, '0')}`;

const mayor: Contact = {
  organization: { uid: uid(1), shortName: 'Администрация города Вологды', fullName: 'Администрация города Вологды', inn: '3525064930', okpo: '04034369' },
  department: { uid: '0.2G3.', name: 'Управление делами', index: '01' },
  officialPerson: { uid: '0.2G3.2G5.', fio: 'Воропанов С.А.', post: 'Мэр города Вологды', index: '01-01' },
  addresses: [{ zipCode: '160000', region: { name: 'Вологодская область', uid: '35' }, settlement: 'Вологда', text: 'ул. Каменный мост, д.4' }],
  econtacts: [
    { type: 'email', value: 'sev@vologda-city.ru' },
    { type: 'phone', value: '+7 8172 72-20-20' },
  ],
};

const department: Contact = {
  organization: { uid: uid(2), shortName: 'ДСЗН - Департамент социальной защиты населения ВО' },
  officialPerson: { fio: 'Канева И.А.', post: 'начальник департамента' },
};

const executorContact: Contact = {
  organization: { uid: uid(2), shortName: 'ДСЗН - Департамент социальной защиты населения ВО' },
  department: { name: 'Отдел семьи и детства' },
  officialPerson: { post: 'начальник отдела' },
};

const edms = { uid: uid(3), version: '13.1.0', name: 'Дело' };

function header<T extends MessageType>(messageType: T, n: number, resources: Resource[], xmlName = 'DocInfo.xml'): MessageHeader<T> {
  return {
    messageType,
    messageId: uid(100 + n),
    returnId: uid(200 + n),
    version: '1.0',
    time: '2024-03-14T10:15:30+03:00',
    resourceId: 0,
    sender: { contact: mayor, edms },
    recipient: { contacts: [department] },
    resources: [{ uid: '0', uniqueName: xmlName }, ...resources],
  };
}

const letterFile: DeloFile = {
  uid: uid(10),
  resourceId: 1,
  size: 48213,
  description: 'Письмо о социальной поддержке.pdf',
  extension: 'pdf',
  signatures: [{ resourceId: 2, date: '2024-03-14T09:58:00', kindId: 1, certificate: 'CN=Воропанов Сергей Александрович, O=Администрация города Вологды' }],
};

const letterResources: Resource[] = [
  { uid: '1', uniqueName: 'Письмо о социальной поддержке.pdf' },
  { uid: '2', uniqueName: 'Письмо о социальной поддержке.pdf.sig' },
];

/** The card without files, as a follow-up (AddToDoc) repeats it. */
const letterCard: Document = {
  uid: uid(20),
  documentId: '11759337',
  type: 'Created',
  mainDocument: true,
  registrationInfo: { number: '01-12/345', date: '2024-03-14' },
  group: { name: 'Письмо исх.' },
  annotation: 'О мерах социальной поддержки многодетных семей',
  authors: [{ contact: mayor, registrationInfo: { number: '01-12/345', date: '2024-03-14' } }],
  addressees: [{ contact: department }],
};

const letter: Document = { ...letterCard, files: [letterFile] };

const resolution: Task = {
  uid: uid(30),
  taskId: '9001',
  type: 'Resolution',
  privacy: false,
  number: '1',
  author: { contact: mayor, signDate: '2024-03-14' },
  text: 'Рассмотреть и подготовить предложения',
  executors: [{ uid: '0.3A1.', responsible: true, contact: executorContact }],
  control: { state: 'UnderControl', contact: mayor, deadline: '2024-04-01' },
  category: { name: 'Поручение', uid: 'CAT-1' },
  isProject: false,
};

const point: Task = {
  uid: uid(31),
  taskId: '9002',
  type: 'Point',
  privacy: true,
  text: 'Представить сведения о численности многодетных семей',
  executors: [
    { responsible: true, contact: executorContact },
    { responsible: false, contact: department },
  ],
  control: { state: 'NoControl', deadline: '2024-03-25' },
  note: 'Срочно',
  parent: { documentId: '11759337', taskId: '9001' },
  isProject: false,
};

const executionReport: Task = {
  ...resolution,
  executors: [
    {
      uid: '0.3A1.',
      responsible: true,
      contact: executorContact,
      text: 'Предложения подготовлены и направлены письмом от 20.03.2024 № 12-5/77',
      date: '2024-03-20T16:40:00+03:00',
      status: { name: 'Исполнено', uid: 'ST-2' },
      files: [{ uid: uid(11), resourceId: 1, size: 20480, description: 'Отчёт.docx', extension: 'docx' }],
    },
  ],
  control: { state: 'EndedControl', contact: mayor, deadline: '2024-04-01', summary: 'Исполнено в срок', factDate: '2024-03-20', resume: 'Снять с контроля' },
};

const fullSubscriptions = {
  stopDayCount: 30,
  reception: true,
  registration: true,
  forwarding: { include: true, advanceInfo: 'All' as const },
  consideration: { include: true, advanceInfo: 'First' as const },
  taskDecoration: {
    text: true,
    category: true,
    note: false,
    controlState: true,
    planDate: true,
    controller: true,
    summary: false,
    factDate: true,
    status: true,
    resume: false,
    executor: { include: true, advanceInfo: 'All' as const },
    executorReport: true,
  },
  report: true,
  redirection: true,
  answer: true,
  visaDirection: false,
  signDirection: false,
  visaInformation: true,
  signInformation: true,
  projectRegistration: true,
};

const mainDocMinimal: DocInfoMessage = {
  kind: 'MainDoc',
  header: header('MainDoc', 1, [{ uid: '1', uniqueName: 'Письмо.pdf' }]),
  documents: [
    {
      documentId: '1',
      type: 'Created',
      mainDocument: true,
      registrationInfo: { number: '01-12/1', date: '2024-03-01' },
      files: [{ uid: uid(12), resourceId: 1, size: 1024, description: 'Письмо.pdf', extension: 'pdf' }],
    },
  ],
};

const mainDocFull: DocInfoMessage = {
  kind: 'MainDoc',
  header: {
    ...header('MainDoc', 2, [...letterResources, { uid: '3', uniqueName: 'Приложение 1.xlsx' }, { uid: '4', uniqueName: 'Лист согласования.pdf' }]),
    timeZone: 180,
    recipient: { contacts: [department, { organization: { uid: uid(4), shortName: 'Департамент финансов области' } }], edms: { uid: uid(5) } },
  },
  documents: [
    {
      ...letter,
      versionUid: uid(21),
      status: 'Registered',
      version: 2,
      control: { state: 'UnderControl', deadline: '2024-04-15' },
      access: { name: 'Общий', uid: '1' },
      consists: '2 л. + прил. 5 л.',
      note: 'Направлено также по почте',
      collective: false,
      rubrics: [{ name: 'Социальная защита', uid: 'R-17' }, { name: 'Многодетные семьи' }],
      files: [letterFile, { uid: uid(13), resourceId: 3, size: 9120, description: 'Приложение 1.xlsx', extension: 'xlsx', eTag: 'W/"3-1710410130"' }],
      authors: [
        { contact: mayor, registrationInfo: { number: '01-12/345', date: '2024-03-14' } },
        { privatePerson: { fio: 'Иванова Мария Петровна', sex: 'Female' } },
      ],
      visas: [{ contact: { ...mayor, officialPerson: { fio: 'Смирнов А.В.', post: 'заместитель мэра' } }, signDate: '2024-03-13', visaInfo: 'Согласовано' }],
      approvals: [
        {
          uid: 'AP-1',
          kind: 'Sign',
          contact: mayor,
          signDate: '2024-03-14T09:58:00+03:00',
          termDate: '2024-03-15T18:00:00+03:00',
          mainInfo: 'Подписано',
          addInfo: 'ЭП',
          parentContact: department,
          files: [{ uid: uid(14), resourceId: 4, size: 3000, description: 'Лист согласования.pdf', extension: 'pdf' }],
        },
      ],
      addressees: [{ contact: department }, { privatePerson: { fio: 'Петров Пётр Петрович' } }],
      writers: [{ contact: { ...mayor, officialPerson: { fio: 'Кузнецова Е.Н.', post: 'консультант' } }, addInfo: 'тел. 72-20-21' }],
      additionalFields: [
        { name: 'Количество семей', type: 'Decimal', value: '1250' },
        { name: 'Срочно', type: 'Flag', value: 'true' },
        { name: 'Дата заседания', type: 'Date', value: '2024-03-20' },
        { name: 'Комментарий', type: 'Text', value: 'Текст с символами <, > и &' },
      ],
      links: [{ linkType: { name: 'Во исполнение', uid: 'L-1' }, documentId: '11700001', description: 'Поручение Губернатора от 01.02.2024 № 12', urlString: 'https://example.org/doc/11700001' }],
      accompDocs: ['11759338'],
      eDocument: true,
    },
    {
      uid: uid(22),
      documentId: '11759338',
      type: 'Created',
      mainDocument: false,
      registrationInfo: { number: '01-12/345/1', date: '2024-03-14' },
      annotation: 'Сопроводительное письмо',
    },
  ],
  tasks: [resolution],
  subscriptions: fullSubscriptions,
};

const mainDocWithResolution: DocInfoMessage = {
  kind: 'MainDoc',
  header: header('MainDoc', 3, letterResources),
  documents: [letter],
  tasks: [resolution, point],
  subscriptions: {
    stopDayCount: 14,
    reception: true,
    registration: true,
    forwarding: { include: false },
    consideration: { include: true },
    report: true,
    redirection: false,
    answer: true,
  },
};

const citizenAppeal: DocInfoMessage = {
  kind: 'MainDoc',
  header: header('MainDoc', 4, [{ uid: '1', uniqueName: 'Обращение.pdf' }]),
  documents: [
    {
      uid: uid(23),
      documentId: '555',
      type: 'Incoming',
      mainDocument: true,
      registrationInfo: { number: 'ОГ-77', date: '2024-03-10' },
      annotation: 'Обращение о предоставлении жилья',
      files: [{ uid: uid(15), resourceId: 1, size: 150000, description: 'Обращение.pdf', extension: 'pdf' }],
      authors: [
        {
          privatePerson: {
            uid: 'CIT-42',
            fio: 'Сидоров Иван Иванович',
            sex: 'Male',
            inn: '352500112233',
            passport: { series: '1904', number: '123456', givenBy: 'УМВД России по Вологодской области' },
            addresses: [{ zipCode: '160001', settlement: 'Вологда', text: 'ул. Мира, д.1, кв.2' }],
            econtacts: [{ type: 'email', value: 'sidorov@example.org' }],
            snils: '123-456-789 01',
          },
        },
      ],
    },
  ],
};

const addToDocTasks: DocInfoMessage = {
  kind: 'AddToDoc',
  header: header('AddToDoc', 5, []),
  documents: [letterCard],
  tasks: [point],
};

const addToDocExecutionReport: DocInfoMessage = {
  kind: 'AddToDoc',
  header: header('AddToDoc', 6, [{ uid: '1', uniqueName: 'Отчёт.docx' }]),
  documents: [letterCard],
  tasks: [executionReport],
};

const addToDocFiles: DocInfoMessage = {
  kind: 'AddToDoc',
  header: header('AddToDoc', 7, [{ uid: '1', uniqueName: 'Приложение 2.pdf' }]),
  documents: [{ ...letterCard, files: [{ uid: uid(16), resourceId: 1, size: 777, description: 'Приложение 2.pdf', extension: 'pdf', eTag: '"v1"' }] }],
};

const editing: DocInfoMessage = {
  kind: 'Editing',
  header: header('Editing', 8, letterResources),
  documents: [{ ...letter, versionUid: uid(24), annotation: 'О мерах социальной поддержки многодетных и приёмных семей' }],
};

// Reports are answers from the department to the mayor's office about `letter`.
function report(messageType: ReportMessageType, n: number, notification: Partial<Notification>): ReportMessage {
  const base = header(messageType, n, [], 'Report.xml');
  return {
    kind: 'Report',
    header: { ...base, sender: { contact: department, edms }, recipient: { contacts: [mayor] } },
    notification: {
      initialDoc: { uid: uid(20), number: '01-12/345', date: '2024-03-14', group: { name: 'Письмо исх.' } },
      ...notification,
    },
  };
}

const registeredCard: Document = {
  uid: uid(20),
  documentId: '4711',
  type: 'Incoming',
  mainDocument: true,
  registrationInfo: { number: 'ВХ.18-1660/24', date: '2024-03-15' },
  authors: [{ contact: mayor, registrationInfo: { number: '01-12/345', date: '2024-03-14' } }],
};

const reportReception = report('Reception', 20, { reception: '2024-03-14T10:20:00+03:00' });
const reportFailure = report('Failure', 21, { failure: { code: 3, text: 'Документ уже зарегистрирован: ВХ.18-1660/24 от 15.03.2024' } });
const reportFailureNoText = report('Failure', 22, { failure: { code: 1 } });

const reportRegistration: ReportMessage = {
  ...report('Report', 23, { registration: { documentId: '4711', systemDate: '2024-03-15T09:00:00+03:00' } }),
  documents: [registeredCard],
};

const reportForwarding = report('Report', 24, {
  forwardings: [
    { contact: executorContact, date: '2024-03-15T11:00:00+03:00' },
    { contact: department, date: '2024-03-15T11:05:00+03:00' },
  ],
});

const reportConsideration: ReportMessage = {
  ...report('Report', 25, { considerations: [{ taskId: '7001', initialTaskUid: uid(30) }, { taskId: '7002' }] }),
  tasks: [
    { ...resolution, uid: uid(32), taskId: '7001', author: { contact: department, signDate: '2024-03-15' }, parent: { documentId: '4711' } },
    { ...point, uid: uid(33), taskId: '7002', parent: { documentId: '4711', taskId: '7001' } },
  ],
};

const reportExecution: ReportMessage = {
  ...report('Report', 26, { reports: [{ taskId: '9001' }] }),
  tasks: [executionReport],
};

const reportRedirection = report('Report', 27, {
  redirections: [
    { contact: { organization: { uid: uid(6), shortName: 'Департамент строительства области' } }, date: '2024-03-16T12:00:00+03:00', type: { name: 'СЭВ', uid: 'DT-1' } },
    { privatePerson: { fio: 'Иванов И.И.' }, date: '2024-03-16T12:30:00+03:00', type: { name: 'Почта' } },
  ],
});

const reportAnswer: ReportMessage = {
  ...report('Report', 28, { answers: [{ documentId: '4800', date: '2024-03-20T15:00:00+03:00', type: { name: 'СЭВ' } }] }),
  documents: [
    {
      uid: uid(25),
      documentId: '4800',
      type: 'Created',
      mainDocument: true,
      registrationInfo: { number: '12-5/77', date: '2024-03-20' },
      annotation: 'О предложениях по мерам поддержки',
      addressees: [{ contact: mayor }],
    },
  ],
};

const reportSignAndEditing = report('Report', 29, {
  signInformation: { documentId: '4711' },
  editing: { documentId: '4711', text: 'Изменено краткое содержание' },
  projectRegistration: { documentId: '4712' },
});

const reportSeveralEvents: ReportMessage = {
  ...report('Report', 30, {
    initialDoc: { uid: uid(20), versionUid: uid(21), number: '01-12/345', date: '2024-03-14' },
    registration: { documentId: '4711' },
    forwardings: [{ contact: executorContact, date: '2024-03-15T11:00:00+03:00' }],
    considerations: [{ taskId: '9001' }],
  }),
  documents: [registeredCard],
  tasks: [resolution],
};

const syncContact = (n: number, fio: string, post: string, deleted = false): SyncContact => ({
  contact: {
    organization: { uid: uid(1), shortName: 'Администрация города Вологды' },
    department: { uid: `0.2G${n}.`, name: 'Управление делами', index: '01' },
    officialPerson: { uid: `0.2G${n}.1.`, fio, post, index: `01-0${n}` },
  },
  contactInfo: { deleted, identityCode: `SEV-01-0${n}` },
});

const syncInfo: SevMessage = {
  kind: 'SyncInfo',
  header: header('MainDoc', 40, [], 'SyncInfo.xml'),
  syncDepartments: {
    operationName: 'Update',
    contacts: [syncContact(1, 'Воропанов С.А.', 'Мэр города Вологды'), syncContact(2, 'Смирнов А.В.', 'заместитель мэра', true)],
  },
};

const syncInfoHeaderOnly: SevMessage = { kind: 'SyncInfo', header: header('MainDoc', 41, [], 'SyncInfo.xml') };

const syncReport: SevMessage = {
  kind: 'SyncReport',
  header: { ...header('Report', 42, [], 'SyncReport.xml'), sender: { contact: department, edms }, recipient: { contacts: [mayor] } },
  syncDepartments: {
    operationName: 'Update',
    results: [
      { syncContact: syncContact(1, 'Воропанов С.А.', 'Мэр города Вологды'), results: ['Изменено поле Должность', 'Изменен Индекс СЭВ'] },
      { syncContact: syncContact(2, 'Смирнов А.В.', 'заместитель мэра', true), results: ['Лог. удален/восстановлен'] },
    ],
  },
};

const syncReportNoResults: SevMessage = {
  kind: 'SyncReport',
  header: header('Report', 43, [], 'SyncReport.xml'),
  syncDepartments: { operationName: 'Update' },
};

/** Samples that must validate against the published schemas. */
export const samples = {
  mainDocMinimal,
  mainDocFull,
  mainDocWithResolution,
  citizenAppeal,
  addToDocTasks,
  addToDocExecutionReport,
  addToDocFiles,
  editing,
  reportReception,
  reportFailure,
  reportFailureNoText,
  reportRegistration,
  reportForwarding,
  reportConsideration,
  reportExecution,
  reportRedirection,
  reportAnswer,
  reportSignAndEditing,
  reportSeveralEvents,
  syncInfo,
  syncInfoHeaderOnly,
  syncReport,
  syncReportNoResults,
} satisfies Record<string, SevMessage>;

/** A Direction event: round-trips, but the published ReportInfo.xsd cannot validate it. */
export const reportDirection = report('Report', 31, {
  directions: [{ visaSign: 'Sign', contact: department, date: '2024-03-18T10:00:00+03:00' }],
});
