// Encrypted packages (CMS EnvelopedData): what SEV encrypts opens with the recipient's key only,
// whole at any size and read in pieces of any size; what OpenSSL and pkijs write opens too; a
// broken or foreign envelope fails with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as pkijs from 'pkijs';
import { certificateDer, CmsError } from '../../security/cms';
import { childrenOf, encode, encodingOf, readNode, TAG } from '../../security/der';
import { collect, decryptEnveloped, decryptStream, encryptableCertificate, encryptFor, encryptStream, isEnvelopedData } from '../../security/enveloped';
import { generateKeyPair } from '../../security/keys';
import { opensslEcKeyPair } from '../support/openssl';

const run = promisify(execFile);
const a = await generateKeyPair({ organization: 'Министерство «А»', sevIndex: 'ORG-A' });
const b = await generateKeyPair({ organization: 'Администрация Б', sevIndex: 'ORG-B' });
const data = Buffer.from('<DocInfo>Паспорт</DocInfo>');


test('a package encrypted for B opens with B’s key and not with A’s', async () => {
  const sealed = await encryptFor(data, b.certPem);
  assert.equal(isEnvelopedData(sealed), true);
  assert.equal(isEnvelopedData(data), false);
  assert.ok(!sealed.includes(data), 'no plaintext inside');
  assert.deepEqual(await decryptEnveloped(sealed, [a, b]), data);
  await assert.rejects(decryptEnveloped(sealed, [a]), /не для нашего сертификата/);
  await assert.rejects(decryptEnveloped(Buffer.from('garbage'), [b]), /не разбирается/);
});

test('a package of any size opens whole, including the 9 MB that pkijs could not read back', async () => {
  for (const size of [0, 1, 15, 16, 17, 1024, 9 * 1024 * 1024]) {
    const plain = randomBytes(size);
    const sealed = await encryptFor(plain, b.certPem);
    assert.equal(sealed.length > size, true);
    assert.ok((await decryptEnveloped(sealed, [b])).equals(plain), `${size} bytes round-trip`);
  }
});

test('an envelope pkijs made (the content in thousands of BER pieces) opens, as SEV sent before', async () => {
  const plain = randomBytes(5 * 1024 * 1024);
  const enveloped = new pkijs.EnvelopedData();
  enveloped.addRecipientByCertificate(pkijs.Certificate.fromBER(new Uint8Array(certificateDer(b.certPem))), { oaepHashAlgorithm: 'SHA-256' });
  await enveloped.encrypt({ name: 'AES-CBC', length: 128 } as never, plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.length));
  const der = Buffer.from(new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.3', content: enveloped.toSchema() }).toSchema().toBER(false));
  assert.equal(isEnvelopedData(der), true);
  assert.ok((await decryptEnveloped(der, [a, b])).equals(plain));
});

test('a broken or foreign envelope fails with the reason', async () => {
  const sealed = await encryptFor(data, b.certPem);
  // CBC: the last plain byte is the padding length p, and it is the last byte of the block before
  // XOR-ed in. Turning that byte by p makes the padding 0, which never checks.
  const padding = 16 - (data.length % 16);
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 17]! ^= padding;
  await assert.rejects(decryptEnveloped(tampered, [b]), /содержимое повреждено/);
  await assert.rejects(decryptEnveloped(sealed.subarray(0, sealed.length - 10), [b]), /не разбирается/);
  const otherKey = { keyPem: a.keyPem, certPem: b.certPem }; // B's certificate, someone else's key
  await assert.rejects(decryptEnveloped(sealed, [otherKey]), /не открывается нашим ключом/);
});

test('OpenSSL opens our envelope, and we open OpenSSL’s in every form it writes', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  const file = (name: string) => path.join(dir, name);
  try {
    const plain = randomBytes(300_000);
    await writeFile(file('plain'), plain);
    await writeFile(file('b.pem'), b.certPem);
    await writeFile(file('b.key'), b.keyPem);
    await writeFile(file('ours.der'), await encryptFor(plain, b.certPem));
    await run('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', file('ours.der'), '-recip', file('b.pem'), '-inkey', file('b.key'), '-out', file('ours.out')]);
    assert.ok((await readFile(file('ours.out'))).equals(plain), 'OpenSSL decrypts what SEV encrypts');

    const encrypt = (out: string, ...options: string[]) =>
      run('openssl', ['cms', '-encrypt', '-binary', '-outform', 'DER', '-in', file('plain'), '-recip', file('b.pem'), ...options, '-out', file(out)]);
    // Streamed (indefinite lengths, content in pieces), OAEP with SHA-256 or its SHA-1 default, AES-128 and 3DES.
    await encrypt('oaep256.der', '-aes256', '-stream', '-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256');
    await encrypt('oaep1.der', '-aes128', '-keyopt', 'rsa_padding_mode:oaep');
    await encrypt('3des.der', '-des3', '-stream', '-keyopt', 'rsa_padding_mode:oaep');
    for (const name of ['oaep256.der', 'oaep1.der', '3des.der']) assert.ok((await decryptEnveloped(await readFile(file(name)), [a, b])).equals(plain), name);
    // The key under PKCS #1 v1.5 (OpenSSL's default): refused by name, not opened unsafely.
    await encrypt('v15.der', '-aes256');
    await assert.rejects(decryptEnveloped(await readFile(file('v15.der')), [b]), /PKCS #1 v1\.5/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});


/** `bytes` in pieces of `size`. */
function* pieces(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

test('an envelope read in pieces of any size opens the same: headers and content split anywhere', async () => {
  const plain = randomBytes(200_000);
  const ours = await encryptFor(plain, b.certPem);
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  try {
    await writeFile(path.join(dir, 'plain'), plain);
    await writeFile(path.join(dir, 'b.pem'), b.certPem);
    await run('openssl', ['cms', '-encrypt', '-binary', '-stream', '-outform', 'DER', '-in', path.join(dir, 'plain'), '-recip', path.join(dir, 'b.pem'), '-aes256', '-keyopt', 'rsa_padding_mode:oaep', '-out', path.join(dir, 'openssl.der')]);
    const openssl = await readFile(path.join(dir, 'openssl.der'));
    for (const [name, envelope] of [['ours', ours], ['OpenSSL’s', openssl]] as const) {
      for (const size of [1, 7, 1000, 65_539]) assert.ok((await collect(decryptStream(pieces(envelope, size), [b]))).equals(plain), `${name} in pieces of ${size}`);
      await assert.rejects(collect(decryptStream(pieces(envelope.subarray(0, envelope.length - 100), 4096), [b])), /данные обрываются/, `${name} cut short`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged envelope, in pieces of any size, opens or fails with CmsError — never another error, never a hang', async () => {
  // A fixed sequence (xorshift) so a failure repeats.
  let state = 0x2545f491;
  const next = (n: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  const ec = await opensslEcKeyPair(dir, 'ec', 'P-256').finally(() => rm(dir, { recursive: true, force: true }));
  const plain = randomBytes(3000);
  // Key transport (RSA) and key agreement (EC) recipients.
  const envelopes = [await encryptFor(plain, b.certPem), await encryptFor(Buffer.alloc(0), b.certPem), await encryptFor(plain, ec.certPem), await encryptFor(Buffer.alloc(0), ec.certPem)];
  let failed = 0;
  for (let i = 0; i < 600; i++) {
    const original = envelopes[i % envelopes.length]!;
    let damaged = Buffer.from(original);
    const how = next(3);
    if (how === 0) for (let k = 0; k <= next(3); k++) damaged[next(damaged.length)] = next(256);
    else if (how === 1) damaged = damaged.subarray(0, next(damaged.length));
    else {
      const at = next(damaged.length);
      damaged = Buffer.concat([damaged.subarray(0, at), randomBytes(1 + next(8)), damaged.subarray(at)]);
    }
    const size = 1 + next(600);
    try {
      await collect(decryptStream(pieces(damaged, size), [b, ec]));
    } catch (e) {
      assert.ok(e instanceof CmsError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
      failed++;
    }
  }
  assert.ok(failed > 450, `most damaged envelopes fail (${failed} of 600)`);
});

test('a source that fails (the store, the network) fails the read as it is: tried again, not taken for a bad envelope', async () => {
  const envelope = await encryptFor(randomBytes(100_000), b.certPem);
  for (const cut of [10, 5000]) {
    async function* failing() {
      yield envelope.subarray(0, cut);
      throw new Error('база данных недоступна');
    }
    await assert.rejects(collect(decryptStream(failing(), [b])), (e: Error) => !(e instanceof CmsError) && /недоступна/.test(e.message), `failing after ${cut} bytes`);
  }
});

test('a recipient with an EC certificate (key agreement): ours, OpenSSL’s and pkijs’s envelopes open each other, at any size, in pieces', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  try {
    const file = (name: string) => path.join(dir, name);
    const ec = await opensslEcKeyPair(dir, 'ec', 'P-256');
    const ec384 = await opensslEcKeyPair(dir, 'ec384', 'P-384');
    const plain = randomBytes(300_000);
    await writeFile(file('plain'), plain);

    // Ours: opened by us whole and in pieces, and by OpenSSL; not by another EC key.
    const envelope = await encryptFor(plain, ec.certPem);
    assert.ok((await decryptEnveloped(envelope, [a, ec])).equals(plain));
    assert.ok((await collect(decryptStream(pieces(envelope, 777), [ec]))).equals(plain), 'read in pieces');
    await assert.rejects(decryptEnveloped(envelope, [ec384]), (e: Error) => e instanceof CmsError && /не для нашего сертификата/.test(e.message));
    for (const [name, pair] of [['ec', ec], ['ec384', ec384]] as const) {
      await writeFile(file(`ours-${name}.der`), await encryptFor(plain, pair.certPem));
      await run('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', file(`ours-${name}.der`), '-recip', file(`${name}.pem`), '-inkey', file(`${name}.key`), '-out', file(`ours-${name}.out`)]);
      assert.ok((await readFile(file(`ours-${name}.out`))).equals(plain), `OpenSSL decrypts what SEV encrypts for ${name}`);
    }

    // OpenSSL's, in the forms it writes: its default KDF (SHA-1), SHA-256 and SHA-384, cofactor mode, streamed, AES-128 (and its wrap).
    const encrypt = (out: string, recipient: string, ...options: string[]) =>
      run('openssl', ['cms', '-encrypt', '-binary', '-outform', 'DER', '-in', file('plain'), '-recip', file(`${recipient}.pem`), ...options, '-out', file(out)]);
    await encrypt('default.der', 'ec', '-aes256');
    await encrypt('sha256.der', 'ec', '-aes256', '-stream', '-keyopt', 'ecdh_kdf_md:sha256');
    await encrypt('cofactor.der', 'ec', '-aes128', '-keyopt', 'ecdh_cofactor_mode:1', '-keyopt', 'ecdh_kdf_md:sha384');
    await encrypt('p384.der', 'ec384', '-aes192', '-stream', '-keyopt', 'ecdh_kdf_md:sha512');
    for (const name of ['default.der', 'sha256.der', 'cofactor.der', 'p384.der']) {
      const der = await readFile(file(name));
      assert.ok((await decryptEnveloped(der, [a, ec, ec384])).equals(plain), name);
      assert.ok((await collect(decryptStream(pieces(der, 1000), [ec384, ec]))).equals(plain), `${name} in pieces`);
    }

    // pkijs's (what SEV wrote for an EC certificate before; it carries a 64-byte ukm), 5 MB: beyond what pkijs itself reads back.
    const big = randomBytes(5 * 1024 * 1024);
    const enveloped = new pkijs.EnvelopedData();
    enveloped.addRecipientByCertificate(pkijs.Certificate.fromBER(new Uint8Array(certificateDer(ec.certPem))), { kdfAlgorithm: 'SHA-256' } as never);
    await enveloped.encrypt({ name: 'AES-CBC', length: 256 } as never, big.buffer.slice(big.byteOffset, big.byteOffset + big.length));
    const der = Buffer.from(new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.3', content: enveloped.toSchema() }).toSchema().toBER(false));
    assert.ok((await collect(decryptStream(pieces(der, 65_539), [ec]))).equals(big), 'pkijs’s key-agreement envelope');

    // Ours, 9 MB, read as it streams.
    const large = randomBytes(9 * 1024 * 1024);
    assert.ok((await collect(decryptStream(encryptStream([large], ec.certPem), [ec]))).equals(large), '9 MB for an EC certificate');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a certificate a package cannot be encrypted for is refused before anything is written, saying why', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  try {
    const file = (name: string) => path.join(dir, name);
    await run('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-subj', '/O=Ed/CN=ORG-ED', '-days', '2', '-keyout', file('ed.key'), '-out', file('ed.pem')]);
    const ed = await readFile(file('ed.pem'), 'utf8');
    assert.throws(() => encryptableCertificate(ed), (e: Error) => e instanceof CmsError && /ed25519.*нужен ключ RSA или EC/.test(e.message));
    await assert.rejects(encryptFor(data, ed), CmsError);
    assert.throws(() => encryptableCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), CmsError);
    assert.equal(encryptableCertificate(b.certPem).publicKey.asymmetricKeyType, 'rsa');
    const ec = await opensslEcKeyPair(dir, 'ec', 'P-521');
    assert.equal(encryptableCertificate(ec.certPem).publicKey.asymmetricKeyType, 'ec');
    assert.ok((await decryptEnveloped(await encryptFor(data, ec.certPem), [ec])).equals(data), 'P-521 both ways');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * Our envelope (BER, its outer nodes of indefinite length) with its recipients rebuilt: `change`
 * gets the KeyAgreeRecipientInfo's fields (version, originator, algorithm, RecipientEncryptedKeys)
 * and returns the new ones. The SET of recipients follows the EnvelopedData's version (02 01 02).
 */
function withKeyAgreement(envelope: Buffer, change: (fields: Buffer[]) => Buffer[]): Buffer {
  const at = envelope.indexOf(Buffer.from([0x02, 0x01, 0x02, 0x31])) + 3;
  const set = readNode(envelope, at);
  const kari = childrenOf(set)[0]!;
  const fields = childrenOf(kari).map(encodingOf);
  return Buffer.concat([envelope.subarray(0, at), encode(TAG.set, encode(0xa1, ...change(fields))), envelope.subarray(set.end)]);
}

test('key agreement: a wrap algorithm in BER, OpenSSL’s 3DES wrap, too many recipients, a length past its parent, a curve of cofactor 4', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-cms-'));
  try {
    const file = (name: string) => path.join(dir, name);
    const ec = await opensslEcKeyPair(dir, 'ec', 'P-256');
    const plain = randomBytes(100_000);
    const envelope = await encryptFor(plain, ec.certPem);

    // The wrap algorithm with a long-form length: the KDF hashes it as DER, as OpenSSL does.
    const longForm = withKeyAgreement(envelope, ([version, originator, algorithm, keys]) => {
      const [scheme, wrap] = childrenOf(readNode(algorithm!)).map(encodingOf);
      const wrapLong = Buffer.concat([Buffer.from([0x30, 0x81, wrap!.length - 2]), wrap!.subarray(2)]);
      return [version!, originator!, encode(TAG.sequence, scheme!, wrapLong), keys!];
    });
    assert.notDeepEqual(longForm, envelope);
    assert.ok((await decryptEnveloped(longForm, [ec])).equals(plain), 'a wrap algorithm in BER');

    // OpenSSL's -des3 for an EC certificate wraps the key with the CMS Triple-DES key wrap.
    await writeFile(file('plain'), plain);
    await run('openssl', ['cms', '-encrypt', '-binary', '-outform', 'DER', '-in', file('plain'), '-recip', file('ec.pem'), '-des3', '-out', file('des3.der')]);
    assert.ok((await decryptEnveloped(await readFile(file('des3.der')), [ec])).equals(plain), 'OpenSSL -des3');

    // Thousands of recipients by key identifier, each to be tried with our keys: refused at once.
    const flood = withKeyAgreement(envelope, ([version, originator, algorithm]) => [
      version!,
      originator!,
      algorithm!,
      encode(TAG.sequence, ...Array<Buffer>(5000).fill(encode(TAG.sequence, encode(0xa0, encode(TAG.octetString, Buffer.from('id'))), encode(TAG.octetString, Buffer.alloc(40))))),
    ]);
    const started = performance.now();
    await assert.rejects(decryptEnveloped(flood, [ec, b]), /больше 64 получателей/);
    assert.ok(performance.now() - started < 2000, 'without trying them');

    // A length inside the recipient running past it is damage: read no further than the head.
    const broken = Buffer.from(envelope);
    const algorithmAt = broken.indexOf(Buffer.from([0x30, 0x15, 0x06, 0x06]));
    assert.ok(algorithmAt > 0, 'the key-agreement algorithm SEQUENCE found');
    broken[algorithmAt + 1] = 0x7f;
    const big = Buffer.concat([broken.subarray(0, -12), randomBytes(3_000_000), broken.subarray(-12)]);
    let pulled = 0;
    async function* counted() {
      for (const piece of pieces(big, 65_536)) {
        pulled += piece.length;
        yield piece;
      }
    }
    await assert.rejects(collect(decryptStream(counted(), [ec])), (e: Error) => e instanceof CmsError && /часть длиннее целого/.test(e.message));
    assert.ok(pulled <= 65_536, `only the first piece read (${pulled} bytes)`);

    // A binary curve of cofactor 4: neither encrypted for nor opened.
    const k233 = await opensslEcKeyPair(dir, 'k233', 'sect233k1');
    assert.throws(() => encryptableCertificate(k233.certPem), /sect233k1/);
    await run('openssl', ['cms', '-encrypt', '-binary', '-outform', 'DER', '-in', file('plain'), '-recip', file('k233.pem'), '-aes128', '-out', file('k233.der')]);
    await assert.rejects(decryptEnveloped(await readFile(file('k233.der')), [k233]), /кривой sect233k1, которая не принимается/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
