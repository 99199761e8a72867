// Just enough DER for the detached signatures every package carries: reading the nodes of a CMS
// SignedData or a certificate without building objects for them, and writing the few structures a
// signature is made of. Encrypted packages are read as BER too (other systems stream them with
// indefinite lengths and the content in pieces), and written with their bulk never copied into
// nested encodings. Cryptography stays with node:crypto; this only frames bytes.

export class DerError extends Error {
  override name = 'DerError';
}

/** One encoded node: its tag byte and where its header and contents lie in `bytes`. */
export interface Node {
  bytes: Buffer;
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the contents. */
  end: number;
}

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  /** [0] constructed: an explicit or implicit context tag 0. */
  context0: 0xa0,
  context1: 0xa1,
  context2: 0xa2,
  bitString: 0x03,
} as const;

/** The input ends before the node does: more of it may yet come (a package read as it streams). */
export class DerTruncatedError extends DerError {
  override name = 'DerTruncatedError';
}

/** A node's tag and length octets: its contents start at `contentStart`; `length` is undefined for BER's indefinite form. */
export interface NodeHeader {
  tag: number;
  contentStart: number;
  length: number | undefined;
}

/** The tag and length at `offset`; the contents need not be there yet. Low tag numbers only. */
export function readHeader(bytes: Buffer, offset = 0, limit = bytes.length): NodeHeader {
  if (offset + 2 > limit) throw new DerTruncatedError('данные обрываются');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('многобайтовые теги не поддерживаются');
  const first = bytes[offset + 1]!;
  if (first === 0x80) return { tag, contentStart: offset + 2, length: undefined };
  if (first < 0x80) return { tag, contentStart: offset + 2, length: first };
  const count = first & 0x7f;
  if (count > 4) throw new DerError('неверная длина');
  if (offset + 2 + count > limit) throw new DerTruncatedError('данные обрываются');
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
  return { tag, contentStart: offset + 2 + count, length };
}

/** The node at `offset`. Definite lengths only (BER's indefinite form throws); low tag numbers only. */
export function readNode(bytes: Buffer, offset = 0, limit = bytes.length): Node {
  const { tag, contentStart, length } = readHeader(bytes, offset, limit);
  if (length === undefined) throw new DerError('неопределённая длина (BER)');
  const end = contentStart + length;
  if (end > limit) throw new DerTruncatedError('данные обрываются');
  return { bytes, tag, start: offset, contentStart, end };
}

/** The nodes inside a constructed node, in order. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  for (let at = node.contentStart; at < node.end; ) {
    const child = readNode(node.bytes, at, node.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The node's whole encoding (tag, length, contents). */
export const encodingOf = (node: Node): Buffer => node.bytes.subarray(node.start, node.end);
export const contentsOf = (node: Node): Buffer => node.bytes.subarray(node.contentStart, node.end);

export function expectTag(node: Node | undefined, tag: number, what: string): Node {
  if (!node || node.tag !== tag) throw new DerError(`ожидался ${what}`);
  return node;
}

/** An OBJECT IDENTIFIER's dotted form. */
export function oidOf(node: Node): string {
  const c = contentsOf(expectTag(node, TAG.oid, 'идентификатор объекта'));
  if (c.length === 0) throw new DerError('пустой идентификатор объекта');
  const parts: number[] = [];
  let value = 0;
  for (const byte of c) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** A UTCTime or GeneralizedTime as a Date (UTC forms with seconds, as DER requires). */
export function timeOf(node: Node): Date {
  const text = contentsOf(node).toString('latin1');
  const m = node.tag === TAG.utcTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : node.tag === TAG.generalizedTime ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text) : null;
  if (!m) throw new DerError(`неверное время: ${text}`);
  let year = Number(m[1]);
  if (node.tag === TAG.utcTime) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

// BER, as encrypted packages come: lengths may be indefinite (the contents run to an end-of-contents
// marker) and a string may be constructed from pieces. Reading is iterative over siblings and
// bounded in depth, so a package cut into thousands of pieces reads as easily as one in a piece.

/** A node read as BER: `contentEnd` is where its contents stop, `end` is past it (and past the end-of-contents marker of an indefinite length). */
export interface BerNode extends Node {
  contentEnd: number;
}

const MAX_BER_DEPTH = 32;

/** The node at `offset`, in definite or indefinite length form. */
export function readBerNode(bytes: Buffer, offset = 0, limit = bytes.length, depth = 0): BerNode {
  if (depth > MAX_BER_DEPTH) throw new DerError('слишком глубокая вложенность');
  const { tag, contentStart, length } = readHeader(bytes, offset, limit);
  if (length !== undefined) {
    const node = readNode(bytes, offset, limit);
    return { ...node, contentEnd: node.end };
  }
  if (!(tag & 0x20)) throw new DerError('неопределённая длина у простого (не составного) узла');
  for (let at = contentStart; ; ) {
    if (at + 2 > limit) throw new DerTruncatedError('данные обрываются: нет конца содержимого');
    if (bytes[at] === 0 && bytes[at + 1] === 0) return { bytes, tag, start: offset, contentStart, contentEnd: at, end: at + 2 };
    at = readBerNode(bytes, at, limit, depth + 1).end;
  }
}

export const berContentsOf = (node: BerNode): Buffer => node.bytes.subarray(node.contentStart, node.contentEnd);

/** The nodes inside a constructed BER node, in order. */
export function berChildrenOf(node: BerNode, depth = 0): BerNode[] {
  const out: BerNode[] = [];
  for (let at = node.contentStart; at < node.contentEnd; ) {
    const child = readBerNode(node.bytes, at, node.contentEnd, depth + 1);
    out.push(child);
    at = child.end;
  }
  return out;
}

// Writing.

/** The tag and length octets of a node whose `length` bytes of contents the caller writes after them. */
export function encodeHeader(tag: number, length: number): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(length)]);
}

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n % 256);
  return Buffer.from([0x80 | out.length, ...out]);
}

/** A node of `tag` around the given contents. */
export function encode(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([encodeHeader(tag, body.length), body]);
}

export function encodeOid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const value of [first! * 40 + second!, ...rest]) {
    const group = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) group.unshift((v & 0x7f) | 0x80);
    bytes.push(...group);
  }
  return encode(TAG.oid, Buffer.from(bytes));
}

/** A small non-negative INTEGER. */
export const encodeSmallInteger = (value: number): Buffer => encode(TAG.integer, Buffer.from([value]));

/** UTCTime of a date (seconds, UTC), as CMS writes signing times before 2050. */
export function encodeUtcTime(date: Date): Buffer {
  const iso = date.toISOString();
  return encode(TAG.utcTime, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, 'latin1'));
}

/** A DER SET OF: its elements in the order of their encodings. */
export const encodeSetOf = (elements: Buffer[]): Buffer => encode(TAG.set, ...[...elements].sort(Buffer.compare));
