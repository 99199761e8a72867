// One document with a long story: 5,000 EDMS events at B about a document from A. B's workflow
// must continue as new before its history grows long, lose no event and report each once; A must
// hold every one of them on its card. Runs over the real stack.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performCardAction } from '../../workers/card-events';
import { sendDocument } from '../../workers/send';
import { inboundStateQuery } from '../../workflows/definitions';
import { continueAsNewAfter } from '../../workflows/options';
import { eventually, registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

const EVENTS = 5_000;
const PARALLEL = 16;

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  ex = await startTestExchange('lng');
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

test(`a document that receives ${EVENTS} events: the workflow continues as new, every event is reported once`, async (t) => {
  const sent = await sendDocument(ex.config, A.org, { annotation: 'О ходе отопительного сезона', files: [], addresseeSevIndexes: [B.org.sevIndex] });
  await registeredAtA(ex, sent.workflowIds[0]!, 'B registered the document');
  const incoming = await B.db.registrationCard.findFirstOrThrow({ where: { direction: 'incoming', documentUid: sent.documentUid } });
  const { workflowId: inboundId } = await B.db.message.findFirstOrThrow({ where: { cardId: incoming.id, kind: 'MainDoc' }, select: { workflowId: true } });
  assert.ok(inboundId);

  // 5,000 forwardings, made by several clerks at once.
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < EVENTS) {
        const i = next++;
        await performCardAction(B.org, ex.client, B.db, incoming.id, { type: 'forward', to: `Исполнитель ${i + 1}` }, 'Секретарь Б', `fwd-${i}`);
      }
    }),
  );

  const handle = ex.client.workflow.getHandle(inboundId);
  const state = await eventually(
    'B reported every event',
    async () => {
      const s = await handle.query(inboundStateQuery);
      return s.events && s.events.reported >= EVENTS ? s : undefined;
    },
    300_000,
  );
  assert.equal(state.events?.received, EVENTS, 'each event signalled once');
  assert.equal(state.events?.reported, EVENTS);
  assert.equal(state.stage, 'following', 'the story goes on: the subscription has not ended');
  assert.ok((state.run ?? 1) >= 2, `the workflow continued as new (run ${state.run ?? 1})`);
  const described = await handle.describe();
  assert.notEqual(described.runId, described.raw.workflowExecutionInfo?.firstRunId, 'the current run is not the first');
  assert.ok((described.historyLength ?? 0) < continueAsNewAfter * 2, `the current run's history stays short (${described.historyLength} events)`);

  assert.equal(await B.db.cardEvent.count({ where: { cardId: incoming.id, outcome: 'reported' } }), EVENTS);
  const reportMails = await B.db.cardEvent.groupBy({ by: ['reportMessageId'], where: { cardId: incoming.id } });
  assert.ok(reportMails.length < EVENTS / 10, `events travel together: ${reportMails.length} reports for ${EVENTS} events`);

  t.diagnostic(`runs: ${state.run}; current run history: ${described.historyLength} events; reports: ${reportMails.length}`);

  // A holds every forwarding once, besides the Reception and Registration reports.
  await eventually(
    'A holds every report',
    async () => {
      const n = await A.db.documentReport.count({ where: { cardId: sent.cardId, event: 'Forwarding' } });
      return n >= EVENTS ? n : undefined;
    },
    300_000,
  );
  await new Promise((r) => setTimeout(r, 2000));
  const byEvent = await A.db.documentReport.groupBy({ by: ['event'], where: { cardId: sent.cardId }, _count: true });
  assert.deepEqual(Object.fromEntries(byEvent.map((g) => [g.event, g._count])), { Reception: 1, Registration: 1, Forwarding: EVENTS });
  const names = await A.db.documentReport.findMany({ where: { cardId: sent.cardId, event: 'Forwarding' }, select: { summary: true } });
  assert.equal(new Set(names.map((r) => r.summary.replace(/,.*$/, ''))).size, EVENTS, 'each forwarding is a different one');
});
