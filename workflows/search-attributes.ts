// Custom search attributes that let operators find an exchange in the Temporal Web UI by its
// business facts. The local stack registers exactly these (see stack/temporal.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SevOrganization = defineSearchAttributeKey('SevOrganization', SearchAttributeType.KEYWORD);
export const SevDirection = defineSearchAttributeKey('SevDirection', SearchAttributeType.KEYWORD);
export const SevDocNumber = defineSearchAttributeKey('SevDocNumber', SearchAttributeType.KEYWORD);
export const SevDocDate = defineSearchAttributeKey('SevDocDate', SearchAttributeType.DATETIME);
export const SevDocUid = defineSearchAttributeKey('SevDocUid', SearchAttributeType.KEYWORD);
export const SevCorrespondent = defineSearchAttributeKey('SevCorrespondent', SearchAttributeType.KEYWORD);
export const SevMessageId = defineSearchAttributeKey('SevMessageId', SearchAttributeType.KEYWORD);
export const SevStatus = defineSearchAttributeKey('SevStatus', SearchAttributeType.KEYWORD);

/** Every custom attribute with its type, for registration on the server. */
export const sevSearchAttributes = [
  SevOrganization,
  SevDirection,
  SevDocNumber,
  SevDocDate,
  SevDocUid,
  SevCorrespondent,
  SevMessageId,
  SevStatus,
] as const;
