// The DER framing under signatures: what is written reads back, lengths of every size, and
// broken input throws DerError (never reads past the end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childrenOf, contentsOf, DerError, encode, encodeOid, encodeSetOf, encodeUtcTime, oidOf, readNode, TAG, timeOf } from '../../security/der';

test('object identifiers, times and lengths read back as written', () => {
  for (const oid of ['1.2.840.113549.1.7.2', '2.16.840.1.101.3.4.2.1', '0.9.2342.19200300.100.1.1', '2.999.3']) assert.equal(oidOf(readNode(encodeOid(oid))), oid);
  const at = new Date('2026-12-04T16:05:07Z');
  assert.equal(timeOf(readNode(encodeUtcTime(at))).toISOString(), at.toISOString());
  assert.equal(timeOf(readNode(encode(TAG.generalizedTime, Buffer.from('20510101000000Z')))).toISOString(), '2051-01-01T00:00:00.000Z');
  for (const size of [0, 1, 127, 128, 255, 256, 65_535, 70_000]) {
    const node = readNode(encode(TAG.octetString, Buffer.alloc(size, 7)));
    assert.equal(contentsOf(node).length, size);
  }
  const set = readNode(encodeSetOf([encode(TAG.integer, Buffer.from([2])), encode(TAG.integer, Buffer.from([1]))]));
  assert.deepEqual(childrenOf(set).map((n) => contentsOf(n)[0]), [1, 2], 'a SET OF is sorted by encoding');
});

test('broken input throws DerError', () => {
  const whole = encode(TAG.sequence, encodeOid('1.2.3'), encode(TAG.octetString, Buffer.alloc(300)));
  for (const cut of [1, 3, 10, whole.length - 1]) assert.throws(() => childrenOf(readNode(whole.subarray(0, cut))), DerError, `cut at ${cut}`);
  assert.throws(() => readNode(Buffer.from([0x30, 0x80, 0, 0])), /неопределённая длина/);
  assert.throws(() => readNode(Buffer.from([0x1f, 0x81, 0x01, 0x00])), /многобайтовые теги/);
  assert.throws(() => readNode(Buffer.from([0x04, 0x85, 1, 1, 1, 1, 1])), /неверная длина/);
  assert.throws(() => timeOf(readNode(encode(TAG.utcTime, Buffer.from('2612041605Z')))), /неверное время/);
});
