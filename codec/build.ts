// Typed SEV messages → XML (UTF-8, with declaration). Pure functions; a GUID field that is not a
// GUID is a programming error and throws TypeError.
import {
  element,
  formatGuid,
  leaf,
  textElement,
  writeClassifier,
  writeContact,
  writeDocumentList,
  writeHeader,
  writePrivatePerson,
  writeSubscriptions,
  writeTaskList,
  xmlDocument,
  type XmlParent,
} from './build-common';
import { EXT2016_NS, EXT2018_NS } from './namespaces';
import type { DocInfoMessage, Notification, ReportMessage, SevMessage, SyncContact, SyncInfoMessage, SyncReportMessage } from './types';

export function buildMessage(message: SevMessage): string {
  switch (message.kind) {
    case 'MainDoc':
    case 'AddToDoc':
    case 'Editing':
      return buildDocInfo(message);
    case 'Report':
      return buildReport(message);
    case 'SyncInfo':
      return buildSyncInfo(message);
    case 'SyncReport':
      return buildSyncReport(message);
  }
}

export function buildDocInfo(message: DocInfoMessage): string {
  return xmlDocument('DocInfo', (root) => {
    writeHeader(root, message.header);
    writeDocumentList(root, message.documents);
    writeTaskList(root, message.tasks);
    writeSubscriptions(root, message.subscriptions);
  });
}

export function buildReport(message: ReportMessage): string {
  return xmlDocument('Report', (root) => {
    writeHeader(root, message.header);
    writeNotification(root, message.notification);
    writeDocumentList(root, message.documents);
    writeTaskList(root, message.tasks);
  });
}

export function buildSyncInfo(message: SyncInfoMessage): string {
  return xmlDocument('SyncInfo', (root) => {
    writeHeader(root, message.header);
    const departments = message.syncDepartments;
    if (!departments) return;
    const node = element(root, 'SyncDepartments', { OperationName: departments.operationName });
    for (const contact of departments.contacts) writeSyncContact(node, contact);
  });
}

export function buildSyncReport(message: SyncReportMessage): string {
  return xmlDocument('SyncReport', (root) => {
    writeHeader(root, message.header);
    const departments = message.syncDepartments;
    if (!departments) return;
    const node = element(root, 'SyncDepartments', { OperationName: departments.operationName });
    for (const result of departments.results ?? []) {
      const resultNode = element(node, 'ResultContact');
      writeSyncContact(resultNode, result.syncContact);
      const info = element(resultNode, 'ResultInfo');
      for (const value of result.results) leaf(info, 'Result', value);
    }
  });
}

function writeSyncContact(parent: XmlParent, syncContact: SyncContact): void {
  const node = element(parent, 'SyncContact');
  writeContact(node, 'Contact', syncContact.contact);
  element(node, 'ContactInfo', { Deleted: syncContact.contactInfo.deleted, IdentityCode: syncContact.contactInfo.identityCode });
}

function writeNotification(parent: XmlParent, notification: Notification): void {
  const node = element(parent, 'Notification');
  const { initialDoc } = notification;
  const initial = element(node, 'InitialDoc', { UID: formatGuid(initialDoc.uid), VersionUID: formatGuid(initialDoc.versionUid) });
  leaf(initial, 'Number', initialDoc.number);
  leaf(initial, 'Date', initialDoc.date);
  writeClassifier(initial, 'Group', initialDoc.group);

  leaf(node, 'Reception', notification.reception);
  if (notification.failure) textElement(node, 'Failure', notification.failure.text, { Code: notification.failure.code });
  if (notification.registration) {
    element(node, 'Registration', { DocumentID: notification.registration.documentId, SystemDate: notification.registration.systemDate });
  }
  for (const forwarding of notification.forwardings ?? []) {
    const forwardingNode = element(node, 'Forwarding');
    writeContact(forwardingNode, 'Contact', forwarding.contact);
    leaf(forwardingNode, 'Date', forwarding.date);
  }
  for (const consideration of notification.considerations ?? []) {
    element(node, 'Consideration', { TaskID: consideration.taskId, InitialTaskUID: formatGuid(consideration.initialTaskUid) });
  }
  for (const report of notification.reports ?? []) element(node, 'Report', { TaskID: report.taskId });
  for (const redirection of notification.redirections ?? []) {
    const redirectionNode = element(node, 'Redirection');
    if (redirection.contact) writeContact(redirectionNode, 'Contact', redirection.contact);
    else writePrivatePerson(redirectionNode, redirection.privatePerson);
    leaf(redirectionNode, 'Date', redirection.date);
    writeClassifier(redirectionNode, 'Type', redirection.type);
  }
  for (const answer of notification.answers ?? []) {
    const answerNode = element(node, 'Answer', { DocumentID: answer.documentId });
    leaf(answerNode, 'Date', answer.date);
    writeClassifier(answerNode, 'Type', answer.type);
  }
  // Written as the schema means it; the published schema cannot validate Direction (see README).
  for (const direction of notification.directions ?? []) {
    const directionNode = element(node, 'Direction', { VisaSign: direction.visaSign });
    writeContact(directionNode, 'Contact', direction.contact);
    leaf(directionNode, 'Date', direction.date);
  }
  if (notification.signInformation) element(node, 'SignInformation', { DocumentID: notification.signInformation.documentId });
  if (notification.editing) {
    textElement(node, 'Editing', notification.editing.text, { DocumentID: notification.editing.documentId }, EXT2016_NS);
  }
  if (notification.projectRegistration) {
    element(node, 'ProjectRegistrationNotification', { DocumentID: notification.projectRegistration.documentId }, EXT2018_NS);
  }
}
