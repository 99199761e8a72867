// `npm run demo` is the README's promise: the story of one letter from org-a to org-b, told in
// Russian, exiting 0 only when org-a holds org-b's Registration report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from '../../workers/config';

const run = promisify(execFile);

test('the demo tells the whole story and exits 0', async () => {
  const { stdout } = await run(process.execPath, ['workers/sev.mjs', 'demo'], { cwd: projectRoot, timeout: 180_000 });
  assert.match(stdout, /регистрирует исходящее письмо с двумя файлами/);
  assert.match(stdout, /Исходящий № Исх-\d+ от \d{4}-\d{2}-\d{2}/);
  assert.match(stdout, /Пакет отправлен по почте/);
  assert.match(stdout, /получил документ: доклад о получении пришёл/);
  assert.match(stdout, /зарегистрировал документ под № Вх-\d+/);
  assert.match(stdout, /Получен адресатом/);
  assert.match(stdout, /Зарегистрирован адресатом под № Вх-\d+/);
  assert.match(stdout, /Передан на рассмотрение: Козлов К\.К\./);
  assert.match(stdout, /у резолюции — отчёт исполнителя Сидоров С\.С\..*Исполнено — Участие подтверждено/);
  assert.match(stdout, /Отчёт об исполнении: Сидоров С\.С\. — Исполнено/);
  assert.match(stdout, /http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/sev%2Forg-a%2Fout%2F/);
});
