// Sending a document from the built-in EDMS: register the outgoing card, then start its
// exchanges. Used by `sev send`, the demo and (later) the EDMS's HTTP API.
import { createBuiltinEdms } from '../edms/builtin';
import type { TaskInput } from '../edms/builtin/events';
import { syncDirectoryFromConfig } from '../edms/directory';
import { createPrismaClient } from '../prisma/client';
import type { OrganizationConfig, SevConfig } from './config';
import { startOutboundExchanges } from './outbound';
import { connectClient } from './temporal';
import { temporalFor } from './config';

export interface SendDocumentInput {
  kind?: string;
  annotation: string;
  signer?: { name: string; post?: string };
  files: { name: string; content: Buffer }[];
  addresseeSevIndexes: string[];
  /** Resolutions sent with the document; executors may be in the addressees' organizations. */
  tasks?: TaskInput[];
  idempotencyKey?: string;
}

export async function sendDocument(config: SevConfig, org: OrganizationConfig, input: SendDocumentInput) {
  const db = createPrismaClient(org.databaseUrl);
  const client = await connectClient(temporalFor(config, org));
  try {
    await syncDirectoryFromConfig(db, config, org.id);
    const edms = createBuiltinEdms(db);
    await edms.ensureJournals();
    const card = await edms.createOutgoingCard(input);
    const workflowIds = await startOutboundExchanges(client, org, { ...card, annotation: input.annotation });
    return { ...card, workflowIds };
  } finally {
    await client.connection.close();
    await db.$disconnect();
  }
}

/** A card as a person reads it, in Russian. */
export async function showCard(org: OrganizationConfig, cardId: string): Promise<string> {
  const db = createPrismaClient(org.databaseUrl);
  try {
    const card = await createBuiltinEdms(db).getCard(cardId);
    return JSON.stringify(card, null, 2);
  } finally {
    await db.$disconnect();
  }
}
