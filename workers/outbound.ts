// Starting the outbound exchanges of a registered outgoing card: one workflow per external
// addressee, under a business id, so registering or sending the same card twice starts nothing new.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { OutgoingAddressee } from '../edms/adapter';
import { outboundWorkflowId, type OutboundDocumentInput } from '../workflows/definitions';
import {
  SevCorrespondent,
  SevDirection,
  SevDocDate,
  SevDocNumber,
  SevDocUid,
  SevOrganization,
  SevStatus,
} from '../workflows/search-attributes';
import { clip, plain } from '../workflows/ui-text';
import type { OrganizationConfig } from './config';

export interface RegisteredOutgoingCard {
  cardId: string;
  regNumber: string;
  regDate: string;
  documentUid: string;
  annotation?: string;
  addressees: OutgoingAddressee[];
}

/** Starts (or finds running) the outbound workflow of each addressee; returns their workflow ids. */
export async function startOutboundExchanges(client: Client, org: OrganizationConfig, card: RegisteredOutgoingCard): Promise<string[]> {
  const ids: string[] = [];
  for (const addressee of card.addressees) {
    const workflowId = outboundWorkflowId(org.id, card.documentUid, addressee.sevIndex);
    const input: OutboundDocumentInput = {
      organizationId: org.id,
      cardId: card.cardId,
      addresseeId: addressee.addresseeId,
      documentUid: card.documentUid,
      regNumber: card.regNumber,
      regDate: card.regDate,
      addresseeSevIndex: addressee.sevIndex,
      addresseeName: addressee.name,
      reportDays: org.rules.reportOrder.stopDayCount,
    };
    await startOnce(client, org, 'outboundDocumentWorkflow', workflowId, input, {
      typedSearchAttributes: [
        { key: SevOrganization, value: org.id },
        { key: SevDirection, value: 'out' },
        { key: SevDocNumber, value: card.regNumber },
        { key: SevDocDate, value: new Date(`${card.regDate}T00:00:00Z`) },
        { key: SevDocUid, value: card.documentUid },
        { key: SevCorrespondent, value: clip(addressee.name, 'keyword') },
        { key: SevStatus, value: 'preparing' },
      ],
      staticSummary: clip(`Исходящий № ${card.regNumber} от ${card.regDate} → ${addressee.name}`, 'summary'),
      staticDetails: clip(
        [
          `**Организация:** ${plain(org.shortName)}`,
          `**Адресат:** ${plain(addressee.name)} (${plain(addressee.sevIndex)}), ${plain(addressee.mailboxAddress ?? 'адрес не указан')}`,
          `**Содержание:** ${plain(card.annotation ?? '—')}`,
          `**UID документа:** ${card.documentUid}`,
        ].join('\n'),
        'details',
      ),
    });
    ids.push(workflowId);
  }
  return ids;
}

/**
 * Starts a workflow under its business id on the organization's task queue; one already started
 * under that id (a repeated call, a retry) is left as it is.
 */
export async function startOnce<I>(
  client: Client,
  org: OrganizationConfig,
  workflowType: string,
  workflowId: string,
  input: I,
  shown: { typedSearchAttributes: SearchAttributePair[]; staticSummary: string; staticDetails: string },
): Promise<void> {
  try {
    await client.workflow.start(workflowType, { workflowId, taskQueue: org.taskQueue, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE', ...shown });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}
