// The key store's first key: workers starting at once on an empty store make one key between
// them, and a lock left by a process that died does not keep the store keyless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPair, KeyStore } from '../../security/keys';

const subject = { organization: 'Министерство «А»', sevIndex: 'ORG-A' };

test('six workers starting at once on an empty key store make one key and all use it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-keystore-'));
  try {
    const store = new KeyStore(path.join(dir, 'keys'));
    let made = 0;
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        new KeyStore(store.dir).ensureCurrent(() => {
          made++;
          return generateKeyPair(subject);
        }),
      ),
    );
    assert.equal(made, 1, 'one key made');
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.pair.fingerprint)).size, 1, 'every worker has the same key');
    assert.equal((await store.current())?.fingerprint, results[0]!.pair.fingerprint);
    const files = await readdir(store.dir);
    assert.equal(files.filter((f) => f.endsWith('.cert.pem')).length, 1);
    assert.deepEqual(files.filter((f) => f.includes('lock') || f.endsWith('.tmp')), [], 'no lock or temporary file left');
    // With a key in place, nothing more is made.
    const again = await store.ensureCurrent(() => assert.fail('a second key made'));
    assert.equal(again.created, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lock left by a process that died over a minute ago is taken over', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sev-keystore-'));
  try {
    const store = new KeyStore(path.join(dir, 'keys'));
    await mkdir(store.dir, { recursive: true, mode: 0o700 });
    const lock = path.join(store.dir, '.making-key.lock');
    await writeFile(lock, '');
    const past = new Date(Date.now() - 120_000);
    await utimes(lock, past, past);
    const started = Date.now();
    const { created } = await store.ensureCurrent(() => generateKeyPair(subject));
    assert.equal(created, true);
    assert.ok(Date.now() - started < 10_000, 'without waiting out the lock');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
