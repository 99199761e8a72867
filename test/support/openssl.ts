// Certificates made by OpenSSL, as an authority would issue them: for interoperability tests.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/**
 * A self-signed EC certificate and its key on `curve`, made by OpenSSL as `<dir>/<name>.pem` and
 * `<dir>/<name>.key` (left there for OpenSSL commands of the test).
 */
export async function opensslEcKeyPair(dir: string, name: string, curve: string, subject = `/O=EC/CN=${name}`, days = 2): Promise<{ keyPem: string; certPem: string }> {
  const file = (ext: string) => path.join(dir, `${name}.${ext}`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-nodes', '-subj', subject, '-days', String(days), '-keyout', file('key'), '-out', file('pem')]);
  return { keyPem: await readFile(file('key'), 'utf8'), certPem: await readFile(file('pem'), 'utf8') };
}
