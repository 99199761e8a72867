// The cache of read packages between an exchange's steps: it answers what it holds, and it stays
// small however many packages pass through it (a backlog once filled it with ≈35 MB of heap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReadPackage } from '../../exchange/package';
import { cachedPackage, cachePackage } from '../../activities/package-cache';

function readPackage(i: number, passportBytes = 2048): ReadPackage {
  return {
    ok: true,
    mailMessageId: `<p${i}@test>`,
    from: 'a@test',
    to: ['b@test'],
    subject: `Пакет ${i}`,
    date: undefined,
    passport: { name: 'DocInfo.xml', sha256: `passport-${i}`, size: passportBytes, content: Buffer.alloc(passportBytes), root: 'DocInfo', message: {} as ReadPackage['passport']['message'] },
    attachments: [],
  } as ReadPackage;
}

test('a cached package is answered by its hash; an unknown hash is not', () => {
  const pkg = readPackage(-1);
  cachePackage('known', pkg);
  assert.equal(cachedPackage('known'), pkg);
  assert.equal(cachedPackage('never-cached'), undefined);
});

test('the cache keeps the most recently used packages and never more than a few hundred', () => {
  const first = readPackage(0, 256);
  cachePackage('pkg-0', first);
  for (let i = 1; i <= 10_000; i++) {
    cachePackage(`pkg-${i}`, readPackage(i, 256));
    // The first one is used now and then, as a waiting exchange's step would: it stays.
    if (i % 50 === 0) assert.equal(cachedPackage('pkg-0'), first, `evicted after ${i} packages`);
  }
  let held = 0;
  for (let i = 0; i <= 10_000; i++) if (cachedPackage(`pkg-${i}`)) held++;
  assert.ok(held >= 64 && held <= 128, `held ${held}`);
  assert.ok(cachedPackage('pkg-10000'), 'the newest is held');
  assert.equal(cachedPackage('pkg-1'), undefined, 'an old one is gone');
});

test('large passports are bounded by their size, and one too large is not cached at all', () => {
  for (let i = 0; i < 200; i++) cachePackage(`big-${i}`, readPackage(i, 64 * 1024));
  let held = 0;
  for (let i = 0; i < 200; i++) if (cachedPackage(`big-${i}`)) held++;
  // 4 MB of estimate at 8 × 64 KB each.
  assert.ok(held >= 1 && held <= 8, `held ${held}`);
  cachePackage('huge', readPackage(0, 1024 * 1024));
  assert.equal(cachedPackage('huge'), undefined);
});
