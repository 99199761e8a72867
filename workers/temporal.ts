// Connections to Temporal built from configuration: the local dev server by default, a cluster
// with mTLS (self-hosted or Temporal Cloud) by configuration alone.
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config';

/** The TLS part of connection options (undefined: plaintext, as the local dev server wants). */
export function tlsOptions(cfg: TemporalConfig) {
  if (!cfg.tls) return undefined;
  return {
    ...(cfg.tls.serverName ? { serverNameOverride: cfg.tls.serverName } : {}),
    ...(cfg.tls.caFile ? { serverRootCACertificate: readFileSync(cfg.tls.caFile) } : {}),
    clientCertPair: { crt: readFileSync(cfg.tls.certFile), key: readFileSync(cfg.tls.keyFile) },
  };
}

/** A client for starting, signalling and querying workflows. Close its connection when done. */
export async function connectClient(cfg: TemporalConfig): Promise<Client> {
  const tls = tlsOptions(cfg);
  const connection = await Connection.connect({ address: cfg.address, ...(tls ? { tls } : {}) });
  return new Client({ connection, namespace: cfg.namespace });
}

/** The connection a worker polls its task queue over. */
export async function connectWorker(cfg: TemporalConfig): Promise<NativeConnection> {
  const tls = tlsOptions(cfg);
  return NativeConnection.connect({ address: cfg.address, ...(tls ? { tls } : {}) });
}
