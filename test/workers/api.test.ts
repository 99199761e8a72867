// The HTTP API of the built-in EDMS: an outgoing card registered over HTTP is sent and its card
// shows the addressee's registration; bad requests get clear JSON errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiTokens, createApiToken } from '../../security/api-tokens';
import { createApiServer } from '../../workers/api';
import { eventually, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;
let server: Server;
let base: string;
let token: string;

before(async () => {
  ex = await startTestExchange('api');
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
  const tokensFile = path.join(await mkdtemp(path.join(tmpdir(), 'sev-api-')), 'api-tokens');
  token = await createApiToken(tokensFile, 'тест-оператор');
  server = createApiServer(ex.config, await ApiTokens.load(tokensFile, {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await ex?.stop();
});

async function call(method: string, path: string, body?: unknown, auth: string | null = `Bearer ${token}`) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth && { authorization: auth }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('an outgoing card registered over HTTP is sent, and its card shows B’s number', async () => {
  const created = await call('POST', `/orgs/${A.org.id}/cards/outgoing`, {
    kind: 'Письмо',
    annotation: 'Запрос сведений через API',
    signer: { name: 'Сидоров С.С.' },
    addressees: [B.org.sevIndex],
    files: [{ name: 'Запрос.txt', contentBase64: Buffer.from('Просим представить сведения').toString('base64') }],
  });
  assert.equal(created.status, 201);
  assert.match(String(created.body.regNumber), /^Исх-\d+$/);
  const cardId = String(created.body.cardId);

  const card = await eventually('the addressee registered it', async () => {
    const got = await call('GET', `/orgs/${A.org.id}/cards/${cardId}`);
    const addressees = got.body.addressees as { sendStatus: string; addresseeRegNumber?: string }[];
    return addressees[0]?.sendStatus === 'registered' ? got.body : undefined;
  });
  const atB = await B.db.registrationCard.findFirstOrThrow({ where: { documentUid: String(created.body.documentUid) } });
  assert.equal((card.addressees as { addresseeRegNumber?: string }[])[0]?.addresseeRegNumber, atB.regNumber);

  const listed = await call('GET', `/orgs/${B.org.id}/cards?direction=incoming`);
  assert.equal(listed.status, 200);
  assert.ok((listed.body as unknown as { id: string }[]).some((c) => c.id === atB.id));

  // B's clerk forwards it over HTTP: recorded once per key, reported to A.
  const action = { type: 'forward', to: 'Сидоров С. С.', post: 'Начальник отдела', by: 'Секретарь', idempotencyKey: 'fwd-1' };
  const forwarded = await call('POST', `/orgs/${B.org.id}/cards/${atB.id}/actions`, action);
  assert.equal(forwarded.status, 201, JSON.stringify(forwarded.body));
  assert.match(String(forwarded.body.routed), /передано процессу документа/);
  const again = await call('POST', `/orgs/${B.org.id}/cards/${atB.id}/actions`, action);
  assert.equal(again.status, 200);
  assert.equal((again.body.event as { eventId: string }).eventId, (forwarded.body.event as { eventId: string }).eventId);
  await eventually('A shows the Forwarding report', async () => {
    const got = await call('GET', `/orgs/${A.org.id}/cards/${cardId}`);
    const reports = (got.body.addressees as { reports: { event: string; summary: string }[] }[])[0]!.reports;
    return reports.find((r) => r.event === 'Forwarding');
  });
  const bad = await call('POST', `/orgs/${B.org.id}/cards/${atB.id}/actions`, { type: 'fly', by: 'Секретарь' });
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /type/);
  const noTask = await call('POST', `/orgs/${B.org.id}/cards/${atB.id}/actions`, { type: 'deleteTask', task: 'нет', by: 'Секретарь' });
  assert.equal(noTask.status, 422);
  assert.match(String(noTask.body.error), /нет действующего поручения/);
  const noCard = await call('POST', `/orgs/${B.org.id}/cards/00000000-0000-7000-8000-000000000000/actions`, { type: 'forward', to: 'Кто-то', by: 'Секретарь' });
  assert.equal(noCard.status, 404);
  const waiting = await call('GET', `/orgs/${B.org.id}/manual`);
  assert.deepEqual(waiting.body, []);
});

test('bad requests get a status and a message naming the problem', async () => {
  const missing = await call('POST', `/orgs/${A.org.id}/cards/outgoing`, { kind: 'Письмо', addressees: [] });
  assert.equal(missing.status, 400);
  assert.match(String(missing.body.error), /annotation/);
  assert.match(String(missing.body.error), /addressees/);
  const notJson = await call('POST', `/orgs/${A.org.id}/cards/outgoing`, '{ not json');
  assert.equal(notJson.status, 400);
  const unknownAddressee = await call('POST', `/orgs/${A.org.id}/cards/outgoing`, { annotation: 'x', addressees: ['NOBODY-1'] });
  assert.equal(unknownAddressee.status, 422);
  assert.match(String(unknownAddressee.body.error), /NOBODY-1/);
  assert.equal((await call('GET', `/orgs/nobody/cards`)).status, 404);
  assert.equal((await call('GET', `/orgs/${A.org.id}/cards/00000000-0000-7000-8000-000000000000`)).status, 404);
  assert.equal((await call('DELETE', `/orgs/${A.org.id}/cards`)).status, 405);
  const reject = await call('POST', `/orgs/${B.org.id}/manual/0123456789ABCDEF0123456789ABCDEF/reject`, { reason: 'нет', by: 'Тест' });
  assert.equal(reject.status, 409);
  assert.match(String(reject.body.error), /не найден/);
});

test('without a valid token only /api/health answers; a token file others can read is refused', async () => {
  for (const auth of [null, 'Bearer wrong-token-0123456789', `Basic ${token}`, `Bearer ${token}x`]) {
    const res = await call('GET', `/orgs/${A.org.id}/cards`, undefined, auth);
    assert.equal(res.status, 401, String(auth));
    assert.match(String(res.body.error), /нужен действующий токен API/);
  }
  const posted = await call('POST', `/orgs/${A.org.id}/cards/outgoing`, { annotation: 'x', addressees: [B.org.sevIndex] }, null);
  assert.equal(posted.status, 401);
  assert.equal(await A.db.registrationCard.count({ where: { annotation: 'x' } }), 0, 'nothing done without a token');
  assert.equal((await call('GET', '/health', undefined, null)).status, 200);

  const open = path.join(await mkdtemp(path.join(tmpdir(), 'sev-api-')), 'api-tokens');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(open, 'кто-то:0123456789abcdef0123\n', { mode: 0o644 });
  await assert.rejects(ApiTokens.load(open, {}), /доступен не только владельцу/);
  const fromEnv = await ApiTokens.load(path.join(path.dirname(open), 'нет'), { SEV_API_TOKENS: 'скрипт:0123456789abcdef0123' });
  assert.equal(fromEnv.authenticate('Bearer 0123456789abcdef0123'), 'скрипт');
  await assert.rejects(ApiTokens.load(path.join(path.dirname(open), 'нет'), { SEV_API_TOKENS: 'короткий:123' }), /не короче 16/);
});
