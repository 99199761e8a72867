// A follow-up about a document already sent to one addressee: new tasks, execution reports and
// files go as AddToDoc, corrections of the card as Editing — the addressee updates its card and
// does not register the document again. Reports about it go to the document's outbound exchange.
import { setCurrentDetails } from '@temporalio/workflow';
import { outboundWorkflowId, type FollowUpInput } from './definitions';
import { step } from './steps';
import { clip, plain } from './ui-text';

export interface FollowUpState {
  status: 'sent' | 'failed';
  details: string;
  messageId: string;
}

export async function outboundFollowUpWorkflow(input: FollowUpInput): Promise<FollowUpState> {
  const what = input.kind === 'Editing' ? 'Исправление карточки' : 'Дополнение к документу';
  const prepared = await step(`${what} для адресата ${input.addresseeName}: ${input.what}`, 'prepareFollowUpPackage', {
    cardId: input.cardId,
    addresseeId: input.addresseeId,
    documentUid: input.documentUid,
    kind: input.kind,
    changeId: input.changeId,
    outboundWorkflowId: outboundWorkflowId(input.organizationId, input.documentUid, input.addresseeSevIndex),
  });
  const sent = await step(`Отправка по почте: ${prepared.to}`, 'sendOutgoingMessage', { messageRowId: prepared.messageRowId, addresseeId: input.addresseeId });
  const details = sent.ok ? `${what} отправлено: ${input.what}` : `${what} не отправлено: ${sent.reason}`;
  setCurrentDetails(clip(plain(details), 'details'));
  return { status: sent.ok ? 'sent' : 'failed', details, messageId: prepared.messageId };
}
