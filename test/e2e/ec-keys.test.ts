// An organization whose certificate is EC (as an authority may issue): its packages are signed with
// ECDSA, and packages to it are encrypted by key agreement (ECDH). A large document goes to it
// encrypted — such an envelope was once read whole by pkijs and could not be opened above 4.4 MB —
// and is registered once; its signed, encrypted reports reach A.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getBlob } from '../../registry/blobs';
import { readCertificateFacts } from '../../security/cms';
import { keyStoreFor } from '../../security/organization-keys';
import { isSealed, openSealed } from '../../security/smime';
import { keysDirFor } from '../../workers/config';
import { sendRandomFile, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';
import { opensslEcKeyPair } from '../support/openssl';

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;
let bKey: { keyPem: string; certPem: string };

before(async () => {
  ex = await startTestExchange('eck', {
    rules: { encryptFor: ['*'] },
    // B's only key is an EC one (P-256), made by OpenSSL as an authority's would be; A keeps an RSA key.
    beforeWorkers: async (config) => {
      const b = config.organizations[1]!;
      const dir = await mkdtemp(path.join(tmpdir(), 'sev-eck-'));
      try {
        bKey = await opensslEcKeyPair(dir, 'b', 'P-256', `/O=${b.name}/CN=${b.sevIndex}`, 30);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      await rm(keysDirFor(config, b), { recursive: true, force: true });
      await keyStoreFor(config, b).add(bKey);
    },
  });
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
});

test('a 6 MB document goes encrypted to an organization with an EC certificate, is registered once, and its ECDSA-signed reports reach A', { timeout: 180_000 }, async () => {
  assert.equal(readCertificateFacts(bKey.certPem).publicKey.asymmetricKeyType, 'ec');
  const { content, sha256, sent, state } = await sendRandomFile(ex, A, B, { annotation: 'Схема (большой файл для сертификата EC)', fileName: 'Схема.bin', size: 6 * 1024 * 1024 });

  // The mail to B: sealed, for B's EC key (only that key opens it).
  const outgoing = await A.db.message.findFirstOrThrow({ where: { direction: 'outgoing', kind: 'MainDoc', cardId: sent.cardId } });
  const wire = await getBlob(A.db, outgoing.rawSha256!);
  assert.equal(isSealed(wire), true);
  assert.ok((await openSealed(wire, [bKey])).includes(Buffer.from('DocInfo')), 'B’s EC key opens the package');

  // B registered it once, with the file byte for byte.
  const cards = await B.db.registrationCard.findMany({ where: { direction: 'incoming', documentUid: sent.documentUid }, include: { files: true } });
  assert.equal(cards.length, 1);
  assert.equal(cards[0]!.status, 'registered');
  assert.equal(cards[0]!.files[0]!.sha256, sha256);
  assert.ok((await getBlob(B.db, sha256)).equals(content));

  // B's reports were signed with its EC key, encrypted for A, and accepted: A holds the registration.
  assert.equal(state.status, 'registered');
  const reports = await A.db.message.findMany({ where: { direction: 'incoming', kind: { in: ['Reception', 'Report'] }, cardId: sent.cardId } });
  assert.ok(reports.length >= 2, `A holds B’s reports (${reports.length})`);
  for (const report of reports) assert.equal(report.status, 'applied', `report ${report.messageId} applied`);
  assert.equal(await A.db.message.count({ where: { direction: 'incoming', status: 'quarantined' } }), 0, 'nothing quarantined at A');
});
