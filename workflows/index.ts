// The worker's only workflowsPath: every workflow is exported from here.
export { inboundMessageWorkflow } from './inbound-message';
export { outboundDocumentWorkflow } from './outbound-document';
export { outboundFollowUpWorkflow } from './follow-up';
