// The rules that pair a passport's resources with a package's attachments: every referred file
// present, whole, unambiguous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { DeloFile, DocInfoMessage } from '../../codec/types';
import type { ReadPackage } from '../../exchange/package';
import { resourceProblems } from '../../activities/resources';

const content = Buffer.from('%PDF-1.4 письмо');
const sha = createHash('sha256').update(content).digest('hex');
const file: DeloFile = { uid: 'F'.repeat(32), resourceId: 1, size: content.length, description: 'Письмо.pdf', extension: 'pdf', eTag: sha, signatures: [{ resourceId: 2 }] };

function passport(overrides: { resources?: { uid: string; uniqueName: string }[]; file?: Partial<DeloFile>; taskFile?: DeloFile } = {}): DocInfoMessage {
  return {
    kind: 'MainDoc',
    header: {
      messageType: 'MainDoc',
      messageId: 'A'.repeat(32),
      returnId: 'A'.repeat(32),
      version: '1.0',
      time: '2026-11-27T10:00:00+03:00',
      resourceId: 0,
      sender: { contact: { organization: { uid: 'ORG-A', shortName: 'А' } }, edms: { uid: 'ORG-A' } },
      recipient: { contacts: [{ organization: { uid: 'ORG-B', shortName: 'Б' } }] },
      resources: overrides.resources ?? [
        { uid: '0', uniqueName: 'DocInfo.xml' },
        { uid: '1', uniqueName: 'Письмо.pdf' },
        { uid: '2', uniqueName: 'Письмо.pdf.sig' },
      ],
    },
    documents: [{ documentId: '1', type: 'Created', mainDocument: true, registrationInfo: { number: '1', date: '2026-11-27' }, files: [{ ...file, ...overrides.file }] }],
    ...(overrides.taskFile
      ? { tasks: [{ uid: 'B'.repeat(32), taskId: '1', type: 'Resolution', privacy: false, isProject: false, files: [overrides.taskFile] }] }
      : {}),
  };
}

function pkg(names: string[]): ReadPackage {
  const attachments = names.map((name) => {
    const bytes = name.endsWith('.sig') ? Buffer.from('sig') : content;
    return { name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  return { attachments } as unknown as ReadPackage;
}

test('a complete package with its signature has no problem', () => {
  assert.equal(resourceProblems(passport(), pkg(['Письмо.pdf', 'Письмо.pdf.sig'])), undefined);
});

test('a listed resource that did not come is refused as missing', () => {
  assert.deepEqual(resourceProblems(passport(), pkg(['Письмо.pdf'])), { code: 2, reason: 'нет вложения «Письмо.pdf.sig», указанного в паспорте' });
});

test('a size or SHA-256 that differs from the passport is a mismatch', () => {
  assert.equal(resourceProblems(passport({ file: { size: 5 } }), pkg(['Письмо.pdf', 'Письмо.pdf.sig']))?.code, 3);
  assert.equal(resourceProblems(passport({ file: { eTag: '0'.repeat(64) } }), pkg(['Письмо.pdf', 'Письмо.pdf.sig']))?.code, 3);
  // An eTag that is no SHA-256 (other EOS systems write version tags) is not compared.
  assert.equal(resourceProblems(passport({ file: { eTag: 'W/"3-1710410130"' } }), pkg(['Письмо.pdf', 'Письмо.pdf.sig'])), undefined);
});

test('files of tasks and signatures must refer to resources that came', () => {
  const taskFile: DeloFile = { uid: 'C'.repeat(32), resourceId: 7, size: 1, description: 'Отчёт.docx', extension: 'docx' };
  assert.match(resourceProblems(passport({ taskFile }), pkg(['Письмо.pdf', 'Письмо.pdf.sig']))?.reason ?? '', /Отчёт\.docx.*ресурс 7/);
  const unsigned = passport({ resources: [{ uid: '0', uniqueName: 'DocInfo.xml' }, { uid: '1', uniqueName: 'Письмо.pdf' }] });
  assert.match(resourceProblems(unsigned, pkg(['Письмо.pdf']))?.reason ?? '', /подпись файла «Письмо\.pdf» ссылается на отсутствующий ресурс 2/);
});

test('names that read the same are refused rather than guessed at', () => {
  const twoResources = passport({
    resources: [
      { uid: '0', uniqueName: 'DocInfo.xml' },
      { uid: '1', uniqueName: 'a/Письмо.pdf' },
      { uid: '2', uniqueName: 'b/Письмо.pdf' },
    ],
  });
  assert.equal(resourceProblems(twoResources, pkg(['Письмо.pdf']))?.code, 1);
  assert.match(resourceProblems(passport(), pkg(['Письмо.pdf', 'Письмо.pdf', 'Письмо.pdf.sig']))?.reason ?? '', /два вложения с именем «Письмо\.pdf»/);
});
