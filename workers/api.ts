// The HTTP API of the built-in EDMS and of manual registration: what an EDMS front end, a script
// or an operator's tool calls instead of the CLI. JSON in and out; errors are JSON with a Russian
// message. Every handler is a thin call into the same functions the CLI uses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiTokens } from '../security/api-tokens';
import { z } from 'zod';
import { createBuiltinEdms } from '../edms/builtin';
import { EdmsError } from '../edms/builtin/errors';
import { createPrismaClient, type PrismaClient } from '../prisma/client';
import { CliError } from './commands/context';
import { temporalFor, type OrganizationConfig, type SevConfig } from './config';
import { logger } from './log';
import { listWaiting, registerManually, rejectManually, resolveWorkflowId } from './manual';
import { sendDocument } from './send';
import { performCardAction } from './card-events';
import { cardActionSchema, type CardAction } from '../edms/builtin/events';
import { connectClient } from './temporal';
import type { Client } from '@temporalio/client';

const log = logger({ component: 'api' });
const MAX_BODY_BYTES = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const outgoingCardBody = z.object({
  kind: z.string().min(1).optional(),
  annotation: z.string().min(1),
  signer: z.object({ name: z.string().min(1), post: z.string().optional() }).optional(),
  addressees: z.array(z.string().min(1)).min(1),
  files: z.array(z.object({ name: z.string().min(1), contentBase64: z.string() })).default([]),
  tasks: z
    .array(
      z.object({
        text: z.string().min(1),
        deadline: z.iso.date().optional(),
        author: z.string().min(1).optional(),
        executors: z.array(z.object({ name: z.string().min(1), post: z.string().optional(), organization: z.string().optional(), responsible: z.boolean().optional() })).min(1),
      }),
    )
    .optional(),
  /** A repeated request with the same key registers and sends nothing new. */
  idempotencyKey: z.string().min(1).optional(),
});
/** Any card action (see edms/builtin/events.ts) with who did it. */
const cardActionBody = z.intersection(cardActionSchema, z.object({ by: z.string().min(1).optional(), idempotencyKey: z.string().min(1).optional() }));
const registerBody = z.object({ regNumber: z.string().min(1).optional(), regDate: z.iso.date().optional(), by: z.string().min(1).optional() });
const rejectBody = z.object({ reason: z.string().min(1), by: z.string().min(1).optional() });

/** Who did it: the person the caller names, with the token that vouches for them. */
function actor(ctx: RequestContext, by: string | undefined): string {
  return by ? `${by} (токен ${ctx.caller})` : ctx.caller;
}

type Route = { method: string; pattern: RegExp; handle: (ctx: RequestContext, params: string[]) => Promise<unknown> };
interface RequestContext {
  config: SevConfig;
  /** The name of the caller's API token. */
  caller: string;
  org: OrganizationConfig;
  db: PrismaClient;
  /** The organization's Temporal client, connected on first use. */
  client(): Promise<Client>;
  body(): Promise<unknown>;
  query: URLSearchParams;
}

const routes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/cards\/outgoing$/,
    async handle(ctx) {
      const body = parse(outgoingCardBody, await ctx.body());
      const sent = await sendDocument(ctx.config, ctx.org, {
        kind: body.kind,
        annotation: body.annotation,
        signer: body.signer,
        files: body.files.map((f) => ({ name: f.name, content: Buffer.from(f.contentBase64, 'base64') })),
        addresseeSevIndexes: body.addressees,
        tasks: body.tasks,
        idempotencyKey: body.idempotencyKey,
      });
      return { status: 201, body: sent };
    },
  },
  {
    method: 'GET',
    pattern: /^\/cards$/,
    async handle(ctx) {
      const direction = ctx.query.get('direction') ?? undefined;
      if (direction !== undefined && direction !== 'incoming' && direction !== 'outgoing') throw new HttpError(400, 'direction: incoming или outgoing');
      const limit = Number(ctx.query.get('limit') ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'limit: целое число от 1 до 1000');
      return createBuiltinEdms(ctx.db).listCards({ direction, limit });
    },
  },
  {
    method: 'GET',
    pattern: /^\/cards\/([0-9a-f-]{36})$/,
    handle: (ctx, [cardId]) => createBuiltinEdms(ctx.db).getCard(cardId!),
  },
  {
    method: 'POST',
    pattern: /^\/cards\/([0-9a-f-]{36})\/actions$/,
    async handle(ctx, [cardId]) {
      const body = parse(cardActionBody, await ctx.body());
      const { by, idempotencyKey, ...action } = body as { by?: string; idempotencyKey?: string } & CardAction;
      const done = await performCardAction(ctx.org, await ctx.client(), ctx.db, cardId!, action, actor(ctx, by), idempotencyKey);
      return { status: done.event.repeated ? 200 : 201, body: done };
    },
  },
  {
    method: 'GET',
    pattern: /^\/manual$/,
    handle: (ctx) => listWaiting(ctx.config, [ctx.org]),
  },
  {
    method: 'POST',
    pattern: /^\/manual\/([^/]+)\/register$/,
    async handle(ctx, [id]) {
      const body = parse(registerBody, await ctx.body());
      return registerManually(ctx.config, ctx.org, resolveWorkflowId(ctx.org, decodeParam(id!)), { ...body, by: actor(ctx, body.by) });
    },
  },
  {
    method: 'POST',
    pattern: /^\/manual\/([^/]+)\/reject$/,
    async handle(ctx, [id]) {
      const body = parse(rejectBody, await ctx.body());
      return rejectManually(ctx.config, ctx.org, resolveWorkflowId(ctx.org, decodeParam(id!)), { ...body, by: actor(ctx, body.by) });
    },
  },
];

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new HttpError(400, `неверная кодировка адреса: ${value}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(400, `неверный запрос: ${result.error.issues.map((i) => `${i.path.join('.') || '(тело)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `тело запроса больше ${MAX_BODY_BYTES} байт`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'тело запроса не является JSON');
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 401 && { 'www-authenticate': 'Bearer realm="sev"' }) });
  res.end(JSON.stringify(body));
}

/** Serves `/api/orgs/<org>/…` for every configured organization to callers with a token, and `/api/health` to anyone. */
export function createApiServer(config: SevConfig, tokens: ApiTokens): Server {
  const databases = new Map<string, PrismaClient>();
  const dbFor = (org: OrganizationConfig) => {
    let db = databases.get(org.id);
    if (!db) databases.set(org.id, (db = createPrismaClient(org.databaseUrl)));
    return db;
  };

  const clients = new Map<string, Promise<Client>>();
  const clientFor = (org: OrganizationConfig) => {
    let client = clients.get(org.id);
    if (!client) {
      client = connectClient(temporalFor(config, org));
      clients.set(org.id, client);
      client.catch(() => clients.delete(org.id));
    }
    return client;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        if (url.pathname === '/api/health') return reply(res, 200, { ok: true, organizations: config.organizations.map((o) => o.id) });
        const caller = tokens.authenticate(req.headers.authorization);
        if (!caller) throw new HttpError(401, 'нужен действующий токен API: заголовок Authorization: Bearer <токен> (sev api-token create)');
        const match = /^\/api\/orgs\/([^/]+)(\/.*)$/.exec(url.pathname);
        const org = match && config.organizations.find((o) => o.id === match[1]);
        if (!match || !org) throw new HttpError(404, `нет такого адреса: ${url.pathname}`);
        const path = match[2]!;
        const route = routes.find((r) => r.pattern.test(path));
        if (!route) throw new HttpError(404, `нет такого адреса: ${url.pathname}`);
        if (route.method !== req.method) throw new HttpError(405, `метод ${req.method} не поддерживается для ${path}`);
        const params = route.pattern.exec(path)!.slice(1);
        const result = await route.handle({ config, caller, org, db: dbFor(org), client: () => clientFor(org), body: () => readJson(req), query: url.searchParams }, params);
        if (result && typeof result === 'object' && 'status' in result && 'body' in result) {
          return reply(res, (result as { status: number }).status, (result as { body: unknown }).body);
        }
        reply(res, 200, result);
      } catch (e) {
        const status =
          e instanceof HttpError ? e.status : e instanceof CliError ? 409 : e instanceof EdmsError ? (e.code === 'unknownCard' ? 404 : 422) : 500;
        if (status === 500) log.error('request failed', { method: req.method, path: url.pathname, error: e });
        reply(res, status, { error: status === 500 ? 'внутренняя ошибка сервера' : (e as Error).message });
      }
    })();
  });
  server.on('close', () => {
    for (const db of databases.values()) void db.$disconnect();
    for (const client of clients.values()) void client.then((c) => c.connection.close()).catch(() => {});
  });
  return server;
}

export async function startApiServer(config: SevConfig): Promise<Server> {
  const tokens = await ApiTokens.load(config.api.tokensFile);
  if (tokens.size === 0) log.warn(`Нет ни одного токена API: на всё, кроме /api/health, ответ 401. Создайте: sev api-token create --name <имя> (файл ${config.api.tokensFile})`);
  const server = createApiServer(config, tokens);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.api.port, config.api.host, resolve);
  });
  return server;
}
