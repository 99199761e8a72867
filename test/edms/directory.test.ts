// The participant directory seeded from configuration, against a real database of its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  findParticipantByMailbox,
  findParticipantBySevIndex,
  findParticipantByUid,
  findSelfOrganization,
  findSender,
  syncDirectoryFromConfig,
} from '../../edms/directory';
import type { SevConfig } from '../../workers/config';
import { config, createTestDatabase, type TestDatabase } from './support';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase('edms_directory');
});
after(async () => {
  await t?.drop();
});

const [orgA, orgB] = config.organizations as [SevConfig['organizations'][number], SevConfig['organizations'][number]];

test('every configured organization is in the directory once, this one as self', async () => {
  const again = await syncDirectoryFromConfig(t.db, config, 'org-a');

  assert.equal(await t.db.organization.count(), config.organizations.length);
  assert.deepEqual(
    { self: again.self.id, peers: again.peers.map((p) => p.id) },
    { self: t.self.id, peers: [t.peer.id] },
  );
  assert.deepEqual(
    { fullName: t.peer.fullName, shortName: t.peer.shortName, sevIndex: t.peer.sevIndex, uid: t.peer.uid, mailboxAddress: t.peer.mailboxAddress, isSelf: t.peer.isSelf },
    { fullName: orgB.name, shortName: orgB.shortName, sevIndex: orgB.sevIndex, uid: orgB.sevIndex, mailboxAddress: orgB.mailbox.address, isSelf: false },
  );
});

test('participants are found by SEV index, mailbox (any letter case) and passport UID', async () => {
  assert.equal((await findParticipantBySevIndex(t.db, orgB.sevIndex))?.id, t.peer.id);
  assert.equal((await findParticipantByMailbox(t.db, orgB.mailbox.address.toUpperCase()))?.id, t.peer.id);
  assert.equal((await findParticipantByUid(t.db, orgB.sevIndex))?.id, t.peer.id);
  assert.equal(await findParticipantBySevIndex(t.db, 'NOBODY-404'), null);
  assert.equal(await findParticipantByMailbox(t.db, 'nobody@example.org'), null);
  assert.equal(await findParticipantByUid(t.db, ''), null);
});

test("a message's claimed sender and its mailbox's owner come from one read, each as found alone", async () => {
  // Claims to be B, from B's mailbox (any letter case).
  assert.deepEqual(await ids(findSender(t.db, orgB.sevIndex, orgB.mailbox.address.toUpperCase())), { byUid: t.peer.id, byMailbox: t.peer.id });
  // Claims to be B, writes from A's mailbox: two different participants, as the verification must see.
  assert.deepEqual(await ids(findSender(t.db, orgB.sevIndex, orgA.mailbox.address)), { byUid: t.peer.id, byMailbox: t.self.id });
  // A mailbox nobody owns, a UID nobody has, nothing at all.
  assert.deepEqual(await ids(findSender(t.db, orgB.sevIndex, 'nobody@example.org')), { byUid: t.peer.id, byMailbox: null });
  assert.deepEqual(await ids(findSender(t.db, 'NOBODY-404', orgB.mailbox.address)), { byUid: null, byMailbox: t.peer.id });
  assert.deepEqual(await ids(findSender(t.db, ' ', undefined)), { byUid: null, byMailbox: null });
  // The same answers as the single lookups.
  assert.equal((await findSender(t.db, orgA.sevIndex, undefined)).byUid?.id, (await findParticipantByUid(t.db, orgA.sevIndex))?.id);
});

async function ids(found: ReturnType<typeof findSender>) {
  const { byUid, byMailbox } = await found;
  return { byUid: byUid?.id ?? null, byMailbox: byMailbox?.id ?? null };
}

test('a UID the peer publishes is found as well as its SEV index', async () => {
  const published = '6F1D2C3B4A5968778695A4B3C2D1E0F9';
  await t.db.organization.update({ where: { id: t.peer.id }, data: { uid: published } });
  try {
    assert.equal((await findParticipantByUid(t.db, published.toLowerCase()))?.id, t.peer.id);
    assert.equal((await findParticipantByUid(t.db, orgB.sevIndex))?.id, t.peer.id);
  } finally {
    await syncDirectoryFromConfig(t.db, config, 'org-a');
  }
});

test('the same configuration seen from the other organization swaps self and peer', async () => {
  try {
    const fromB = await syncDirectoryFromConfig(t.db, config, 'org-b');

    assert.deepEqual([fromB.self.sevIndex, fromB.peers.map((p) => p.sevIndex)], [orgB.sevIndex, [orgA.sevIndex]]);
    assert.equal((await findSelfOrganization(t.db))?.sevIndex, orgB.sevIndex);
  } finally {
    await syncDirectoryFromConfig(t.db, config, 'org-a');
  }
});

test('an organization that is not configured cannot be this one', async () => {
  await assert.rejects(syncDirectoryFromConfig(t.db, config, 'org-z'), /"org-z" is not configured/);
});
