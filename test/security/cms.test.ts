// Signatures of packages: a detached CMS signature verifies against the signer's certificate and
// fails for changed data, another certificate or garbage. Keys live in a store only their owner
// can read. (Encryption: enveloped.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { signDetached, verifyDetached } from '../../security/cms';
import { certificateSerial, daysLeft, generateKeyPair, KeyStore } from '../../security/keys';
import { opensslEcKeyPair } from '../support/openssl';

const run = promisify(execFile);
const a = await generateKeyPair({ organization: 'Министерство «А»', sevIndex: 'ORG-A' });
const b = await generateKeyPair({ organization: 'Администрация Б', sevIndex: 'ORG-B' });
const data = Buffer.from('<DocInfo>Паспорт</DocInfo>');

test('a detached signature verifies with the signer’s certificate and fails otherwise', async () => {
  const signature = await signDetached(data, a.keyPem, a.certPem);
  const ok = await verifyDetached(data, signature, [a.certPem]);
  assert.equal(ok.ok, true);
  assert.equal(ok.ok && ok.signerFingerprint, a.fingerprint);

  const changed = await verifyDetached(Buffer.from('<DocInfo>Подмена</DocInfo>'), signature, [a.certPem]);
  assert.deepEqual(changed.ok, false);
  const stranger = await verifyDetached(data, signature, [b.certPem]);
  assert.equal(stranger.ok, false);
  assert.match(!stranger.ok ? stranger.reason : '', /нет в справочнике/);
  const garbage = await verifyDetached(data, Buffer.from('not a signature'), [a.certPem]);
  assert.equal(garbage.ok, false);
  assert.match(!garbage.ok ? garbage.reason : '', /не разбирается/);
});

test('OpenSSL reads our signature, and we read OpenSSL’s', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  try {
    await writeFile(path.join(dir, 'data'), data);
    await writeFile(path.join(dir, 'a.sig'), await signDetached(data, a.keyPem, a.certPem));
    await writeFile(path.join(dir, 'a.pem'), a.certPem);
    await writeFile(path.join(dir, 'a.key'), a.keyPem);
    const { stderr } = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'a.sig'), '-content', path.join(dir, 'data'), '-CAfile', path.join(dir, 'a.pem'), '-out', '/dev/null']);
    assert.match(stderr, /Verification successful/);
    await run('openssl', ['cms', '-sign', '-binary', '-outform', 'DER', '-in', path.join(dir, 'data'), '-signer', path.join(dir, 'a.pem'), '-inkey', path.join(dir, 'a.key'), '-out', path.join(dir, 'o.sig')]);
    const { readFile } = await import('node:fs/promises');
    const theirs = await verifyDetached(data, await readFile(path.join(dir, 'o.sig')), [a.certPem]);
    assert.equal(theirs.ok, true, !theirs.ok ? theirs.reason : '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('other forms of signature are checked too: without signed attributes (pkijs), ECDSA, a forged value, a signer out of validity', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  const file = (name: string) => path.join(dir, name);
  try {
    const { readFile } = await import('node:fs/promises');
    await writeFile(file('data'), data);
    await writeFile(file('a.pem'), a.certPem);
    await writeFile(file('a.key'), a.keyPem);
    // No signed attributes: the signature is over the data itself.
    await run('openssl', ['cms', '-sign', '-binary', '-noattr', '-outform', 'DER', '-in', file('data'), '-signer', file('a.pem'), '-inkey', file('a.key'), '-out', file('noattr.sig')]);
    const noattr = await readFile(file('noattr.sig'));
    assert.equal((await verifyDetached(data, noattr, [a.certPem])).ok, true);
    assert.equal((await verifyDetached(Buffer.from('другое'), noattr, [a.certPem])).ok, false);

    // ECDSA (P-256) both ways: OpenSSL's signature read by us, ours read by OpenSSL.
    const ec = await opensslEcKeyPair(dir, 'ec', 'P-256', '/O=EC/CN=ORG-EC');
    await run('openssl', ['cms', '-sign', '-binary', '-outform', 'DER', '-in', file('data'), '-signer', file('ec.pem'), '-inkey', file('ec.key'), '-out', file('ec.sig')]);
    assert.equal((await verifyDetached(data, await readFile(file('ec.sig')), [ec.certPem])).ok, true);
    await writeFile(file('ours-ec.sig'), await signDetached(data, ec.keyPem, ec.certPem));
    const { stderr } = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', file('ours-ec.sig'), '-content', file('data'), '-CAfile', file('ec.pem'), '-out', '/dev/null']);
    assert.match(stderr, /Verification successful/);

    // The digest is right but the signature value is not: refused as invalid, not as malformed.
    const forged = await signDetached(data, a.keyPem, a.certPem);
    forged[forged.length - 10] = forged[forged.length - 10]! ^ 0xff;
    const bad = await verifyDetached(data, forged, [a.certPem]);
    assert.equal(!bad.ok && bad.code, 'invalid');

    // Signed when the signer's certificate was no longer valid (a certificate of 0 days ended a minute ago).
    const expired = await generateKeyPair({ organization: 'Истёкший', sevIndex: 'ORG-X' }, 0);
    const early = await verifyDetached(data, await signDetached(data, expired.keyPem, expired.certPem), [expired.certPem]);
    assert.equal(!early.ok && early.code, 'untrusted');
    assert.match(!early.ok ? early.reason : '', /не действовал/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a large file is signed from its SHA-256 and checked against a digest computed as it streams', async () => {
  const file = randomBytes(3 * 1024 * 1024);
  const sha256 = createHash('sha256').update(file).digest();
  const signature = await signDetached({ sha256 }, a.keyPem, a.certPem);
  // The same signature as one made over the bytes: it verifies over them too.
  assert.equal((await verifyDetached(file, signature, [a.certPem])).ok, true);
  const asked: string[] = [];
  const streamed = (content: Buffer) => async (algorithm: string) => {
    asked.push(algorithm);
    return createHash(algorithm).update(content).digest();
  };
  const ok = await verifyDetached(streamed(file), signature, [a.certPem]);
  assert.equal(ok.ok, true, !ok.ok ? ok.reason : '');
  assert.deepEqual(asked, ['sha256'], 'hashed once, with the signature’s algorithm');
  const tampered = Buffer.from(file);
  tampered[1000] = tampered[1000]! ^ 1;
  const bad = await verifyDetached(streamed(tampered), signature, [a.certPem]);
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.code, 'invalid');
  assert.equal((await verifyDetached(streamed(file), signature, [b.certPem])).ok, false, 'another organization’s certificate is still refused');
});

test('the key store keeps keys readable by their owner only, and the newest current', async () => {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'sev-keys-')), 'org-a');
  try {
    const store = new KeyStore(dir);
    assert.equal(await store.current(), undefined);
    await store.add(a);
    const rotated = await store.add(await generateKeyPair({ organization: 'Министерство «А»', sevIndex: 'ORG-A' }, 30));
    assert.equal((await store.current())?.fingerprint, rotated.fingerprint);
    const all = await store.all();
    assert.deepEqual(all.map((k) => k.current), [true, false]);
    assert.ok(daysLeft(rotated) <= 30 && daysLeft(rotated) >= 29);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.key.pem'))) assert.equal((await stat(path.join(dir, f))).mode & 0o777, 0o600);
    await assert.rejects(store.add({ keyPem: a.keyPem, certPem: b.certPem }), /не соответствует/);
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
});

test('serial numbers are positive and minimal DER integers, whatever the random bytes', async () => {
  // A leading 0x00 before a byte below 0x80 is not DER: such a certificate once failed to parse.
  for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
    const serial = certificateSerial(Buffer.from([first, 0x00, ...Array(14).fill(0x11)]));
    assert.ok(serial[0]! >= 0x40 && serial[0]! <= 0x7f, `first byte ${serial[0]}`);
    assert.equal(serial.length, 16);
  }
  for (let i = 0; i < 10; i++) assert.match((await generateKeyPair({ organization: `Организация ${i}`, sevIndex: `ORG-${i}` }, 1)).fingerprint, /^[0-9a-f]{64}$/);
});
