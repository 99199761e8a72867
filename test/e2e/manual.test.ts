// Business duplicates end to end: the same document arriving again in a new message is handed to
// manual registration (and completed by an operator through `sev manual`), or refused with a
// Failure report, depending on the receiver's rule.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildMessage, newGuid } from '../../codec';
import { composePackage } from '../../exchange/package';
import { startOutboundExchanges } from '../../workers/outbound';
import { inboundStateQuery, inboundWorkflowId, type InboundState } from '../../workflows/definitions';
import { SevStatus } from '../../workflows/search-attributes';
import { fetchRawMessage, listMailbox, sendRawMessage } from '../stack/mail-helpers';
import { withPassportSignature } from '../support/signing';
import { readPackageWithFiles } from '../support/packages';
import { eventually, registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** A sent document A → B, once B has registered it. */
async function sendAndRegister(ex: TestExchange, from: TestOrganization, to: TestOrganization, annotation: string) {
  const files = [{ name: 'Письмо.txt', content: Buffer.from(`${annotation}: текст письма`) }];
  const card = await from.edms.createOutgoingCard({ kind: 'Письмо', annotation, signer: { name: 'Иванов И.И.', post: 'Министр' }, files, addresseeSevIndexes: [to.org.sevIndex] });
  const [workflowId] = await startOutboundExchanges(ex.client, from.org, { ...card, annotation });
  await registeredAtA(ex, workflowId!, `B registers ${card.regNumber}`);
  return card;
}

/**
 * Sends the package B received for `regNumber` again as a NEW message: same passport (same
 * Document@UID, no VersionUID), same files, only a new MessageID. That is a business duplicate,
 * not a transport one. Returns the new MessageID.
 */
async function resendAsNewMessage(ex: TestExchange, from: TestOrganization, to: TestOrganization, regNumber: string): Promise<string> {
  const received = (await listMailbox(ex.config, to.org, 'Processed')).find((m) => m.subject.includes(regNumber));
  assert.ok(received, `the package ${regNumber} is in ${to.org.id}/Processed`);
  const { pkg, files } = await readPackageWithFiles(await fetchRawMessage(ex.config, to.org, received.uid, 'Processed'));
  assert.ok(pkg.ok, 'the received package reads back');
  const message = pkg.passport.message;
  assert.equal(message.kind, 'MainDoc');
  const messageId = newGuid();
  const passport = Buffer.from(buildMessage({ ...message, header: { ...message.header, messageId, returnId: messageId } }), 'utf8');
  // A new passport needs a new signature: the sender signs it as SEV does.
  const resources = await withPassportSignature(ex.config, from.org, { name: pkg.passport.name, content: passport }, files);
  const raw = await composePackage({
    from: from.org.mailbox.address,
    to: to.org.mailbox.address,
    subject: `${received.subject} (повторно)`,
    mailMessageId: `${messageId}@test.invalid`,
    date: new Date(),
    passport: { name: pkg.passport.name, content: passport },
    resources,
  });
  await sendRawMessage(ex.config, { from: from.org.mailbox.address, to: to.org.mailbox.address }, raw);
  return messageId;
}

async function inboundState(ex: TestExchange, org: TestOrganization, messageId: string, until: (s: InboundState) => boolean): Promise<InboundState> {
  return eventually(`inbound ${messageId} at ${org.org.id}`, async () => {
    const state = await ex.client.workflow.getHandle(inboundWorkflowId(org.org.id, messageId)).query(inboundStateQuery);
    return until(state) ? state : undefined;
  });
}

/** B's outgoing message of `kind` answering `returnId`, once it is sent. */
function sentAnswer(org: TestOrganization, kind: 'Reception' | 'Report' | 'Failure', returnId: string) {
  return eventually(`${kind} for ${returnId} sent by ${org.org.id}`, async () =>
    (await org.db.message.findFirst({ where: { direction: 'outgoing', kind, returnId, status: 'sent' } })) ?? undefined,
  );
}

describe('business duplicate, rule "manual": completed through `sev manual`', () => {
  let ex: TestExchange;
  let A: TestOrganization;
  let B: TestOrganization;
  let dir: string;
  let sev: (...args: string[]) => Promise<{ stdout: string; stderr: string; code: number }>;

  before(async () => {
    ex = await startTestExchange('man', { rules: { businessDuplicate: 'manual' } });
    [A, B] = ex.orgs as [TestOrganization, TestOrganization];
    // The CLI runs as a separate process, as an operator would run it, with this test's organizations.
    dir = await mkdtemp(path.join(tmpdir(), 'sev-manual-'));
    const configFile = path.join(dir, 'sev.json');
    await writeFile(configFile, JSON.stringify(ex.config));
    sev = async (...args) => {
      try {
        const { stdout, stderr } = await run('node', ['workers/sev.mjs', ...args], { cwd: projectRoot, env: { ...process.env, SEV_CONFIG: configFile } });
        return { stdout, stderr, code: 0 };
      } catch (e) {
        const err = e as { stdout: string; stderr: string; code: number };
        return { stdout: err.stdout, stderr: err.stderr, code: err.code };
      }
    };
  });

  after(async () => {
    await ex?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a duplicate waits for a person, is listed, and is registered under the number given', async () => {
    const card = await sendAndRegister(ex, A, B, 'О дубликатах для ручной регистрации');
    const messageId = await resendAsNewMessage(ex, A, B, card.regNumber);

    const waiting = await inboundState(ex, B, messageId, (s) => s.stage === 'manual');
    assert.match(waiting.manual?.reason ?? '', /дубликат/);
    assert.equal(waiting.document?.number, card.regNumber);
    const workflowId = inboundWorkflowId(B.org.id, messageId);
    const described = await ex.client.workflow.getHandle(workflowId).describe();
    assert.equal(described.typedSearchAttributes.get(SevStatus), 'manual');

    // Visibility lags behind the workflow a little: list until it shows.
    const listed = await eventually('`sev manual list` shows the workflow', async () => {
      const out = await sev('manual', 'list', '--org', B.org.id);
      assert.equal(out.code, 0, out.stderr);
      return out.stdout.includes(workflowId) ? out.stdout : undefined;
    });
    assert.match(listed, new RegExp(`№ ${card.regNumber}`));
    assert.match(listed, /причина: Возможный дубликат/);

    const registered = await sev('manual', 'register', messageId, '--org', B.org.id, '--number', 'ВХ-РУЧ-1', '--by', 'Тестов');
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /Зарегистрирован № ВХ-РУЧ-1/);

    const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: card.documentUid, status: 'registered' } });
    assert.equal(cards.length, 2, 'the original and the manually registered copy');
    assert.ok(cards.some((c) => c.regNumber === 'ВХ-РУЧ-1'));
    await sentAnswer(B, 'Reception', messageId);
    await sentAnswer(B, 'Report', messageId);
    // Registered, the document's workflow goes on to report its events (StopDayCount).
    const done = await inboundState(ex, B, messageId, (s) => s.stage === 'following');
    assert.equal(done.outcome, 'registered');
    assert.deepEqual(done.reportsSent, ['Reception', 'Registration']);

    // A second decision is refused by the workflow and reported as an error.
    const again = await sev('manual', 'register', messageId, '--org', B.org.id, '--by', 'Тестов');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /не ожидает ручной регистрации|уже завершён/);
  });

  test('a duplicate rejected by a person is answered with a Failure report', async () => {
    const card = await sendAndRegister(ex, A, B, 'О дубликатах для отказа');
    const messageId = await resendAsNewMessage(ex, A, B, card.regNumber);
    await inboundState(ex, B, messageId, (s) => s.stage === 'manual');

    const rejected = await sev('manual', 'reject', inboundWorkflowId(B.org.id, messageId), '--org', B.org.id, '--reason', 'Документ уже зарегистрирован', '--by', 'Тестов');
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /доклад об отказе/);

    const failure = await sentAnswer(B, 'Failure', messageId);
    assert.ok(failure);
    const done = await inboundState(ex, B, messageId, (s) => s.stage === 'done');
    assert.equal(done.outcome, 'refused');
    const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: card.documentUid, status: 'registered' } });
    assert.equal(cards.length, 1, 'only the original stays registered');
  });

  test('an unknown message is reported as not found', async () => {
    const out = await sev('manual', 'register', newGuid(), '--org', B.org.id, '--by', 'Тестов');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /не найден/);
  });
});

describe('business duplicate, rule "refuse"', () => {
  let ex: TestExchange;
  let A: TestOrganization;
  let B: TestOrganization;

  before(async () => {
    ex = await startTestExchange('ref', { rules: { businessDuplicate: 'refuse' } });
    [A, B] = ex.orgs as [TestOrganization, TestOrganization];
  });

  after(async () => {
    await ex?.stop();
  });

  test('the duplicate is refused with a Failure report and B keeps one card', async () => {
    const card = await sendAndRegister(ex, A, B, 'О дубликатах для отказа по правилу');
    const messageId = await resendAsNewMessage(ex, A, B, card.regNumber);

    const done = await inboundState(ex, B, messageId, (s) => s.stage === 'done');
    assert.equal(done.outcome, 'duplicate');
    assert.deepEqual(done.reportsSent, ['Reception', 'Failure']);
    await sentAnswer(B, 'Failure', messageId);
    const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: card.documentUid } });
    assert.equal(cards.length, 1);
  });
});
