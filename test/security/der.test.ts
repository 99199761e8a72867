// The DER framing under signatures and the BER under encrypted packages: what is written reads
// back, lengths of every size, pieces at any depth, and broken input throws DerError (never reads
// past the end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { berChildrenOf, berContentsOf, childrenOf, contentsOf, DerError, DerTruncatedError, encode, encodeOid, encodeSetOf, encodeUtcTime, oidOf, readBerNode, readNode, TAG, timeOf } from '../../security/der';

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

test('BER as encrypted packages come: indefinite lengths, a string in pieces at any depth', () => {
  const piece = (text: string) => encode(TAG.octetString, Buffer.from(text));
  const eoc = Buffer.from([0, 0]);
  // SEQUENCE (indefinite) { OID, [0] constructed (indefinite) { "ab", OCTET STRING constructed (definite) { "cd", "e" } } }
  const inner = encode(0x24, piece('cd'), piece('e'));
  const bytes = Buffer.concat([Buffer.from([0x30, 0x80]), encodeOid('1.2.3'), Buffer.from([0xa0, 0x80]), piece('ab'), inner, eoc, eoc, Buffer.from('after')]);
  const top = readBerNode(bytes);
  assert.equal(top.end, bytes.length - 'after'.length, 'the node ends past its end-of-contents marker');
  const [oid, content] = berChildrenOf(top);
  assert.equal(oidOf(oid!), '1.2.3');
  const [ab, cd] = berChildrenOf(content!);
  assert.equal(berContentsOf(ab!).toString(), 'ab');
  assert.deepEqual(berChildrenOf(cd!).map((n) => berContentsOf(n).toString()), ['cd', 'e']);
  assert.equal(berContentsOf(readBerNode(piece('xyz'))).toString(), 'xyz', 'a definite node reads as in DER');
  // Thousands of nodes read without limit (pkijs stopped at its node count).
  const many = Buffer.concat([Buffer.from([0x24, 0x80]), ...Array.from({ length: 20_000 }, () => piece('z')), eoc]);
  assert.equal(berChildrenOf(readBerNode(many)).length, 20_000);
});

test('broken BER throws DerError', () => {
  assert.throws(() => readBerNode(Buffer.from([0x30, 0x80, 0x04, 0x01, 0x61])), /нет конца содержимого/);
  assert.throws(() => readBerNode(Buffer.from([0x04, 0x80, 0, 0])), /простого/);
  const deep = Buffer.concat([Buffer.alloc(2 * 40).fill(Buffer.from([0x30, 0x80])), Buffer.alloc(2 * 40)]);
  assert.throws(() => readBerNode(deep), /вложенность/);
  assert.throws(() => readBerNode(Buffer.from([0x30, 0x05, 0x04, 0x01])), DerTruncatedError, 'a cut node says more may come');
});
