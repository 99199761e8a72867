// The EOS СЭВ wire-format codec: typed messages, the XML builder and the untrusted-input parser.
export * from './types';
export { SEV_NS, EXT2015_NS, EXT2016_NS, EXT2018_NS } from './namespaces';
export { newGuid, normalizeGuid } from './guid';
export { SevXmlError, type SevXmlErrorCode } from './errors';
export { parseMessage, DEFAULT_MAX_BYTES, type ParseOptions } from './parse';
export { buildMessage, buildDocInfo, buildReport, buildSyncInfo, buildSyncReport } from './build';
export { summarizeMessage, reportEvents, type MessageSummary, type ReportEvent } from './summary';
