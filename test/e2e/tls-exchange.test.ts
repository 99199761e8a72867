// The exchange over TLS: a mail stack of its own (other ports, its own state folder) with TLS on
// — STARTTLS required by Postfix, TLS required by Dovecot, certificates from the stack's throwaway
// CA — refuses plaintext and unverified clients; SEV's documents go A → B over it, signed and
// encrypted, and are registered with their reports back at A.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';
import nodemailer from 'nodemailer';
import { getBlob } from '../../registry/blobs';
import { isSealed } from '../../security/smime';
import { stopMail } from '../../stack/mail';
import { loadConfig } from '../../workers/config';
import { sendDocument } from '../../workers/send';
import { registeredAtA, startTestExchange, type TestExchange, type TestOrganization } from '../support/exchange';

const stateDir = mkdtempSync(path.join(tmpdir(), 'sev-tls-'));
chmodSync(stateDir, 0o755); // the mail daemons' users must reach it
const env = {
  SEV_STATE_DIR: stateDir,
  SEV_TOOLS_DIR: loadConfig({}).toolsDir,
  SEV_SMTP_PORT: '22525',
  SEV_IMAP_PORT: '21143',
  // Dovecot counts a client on its own address as secure; on 127.0.0.2 a client from 127.0.0.1 is a remote one.
  SEV_IMAP_HOST: '127.0.0.2',
  SEV_LMTP_PORT: '22424',
  SEV_MAIL_TLS: 'on',
};

let ex: TestExchange;
let A: TestOrganization;
let B: TestOrganization;

before(async () => {
  ex = await startTestExchange('tls', { env, rules: { encryptFor: ['*'] } });
  [A, B] = ex.orgs as [TestOrganization, TestOrganization];
});

after(async () => {
  await ex?.stop();
  if (ex) await stopMail(ex.config, () => {});
});

test('the TLS stack refuses plaintext SMTP and IMAP, and clients refuse a server they cannot verify', async () => {
  const { smtp, imap } = ex.config.mail;
  // Plaintext SMTP: Postfix refuses the mail until STARTTLS.
  const plain = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
  await assert.rejects(plain.sendMail({ from: A.org.mailbox.address, to: B.org.mailbox.address, subject: 'открытым текстом', text: 'x' }), /STARTTLS|530|encryption/i);
  // Plaintext IMAP login, typed as a client would: Dovecot refuses it.
  const answer = await plaintextImapLogin(imap.host, imap.port, B.org.mailbox.user, B.org.mailbox.password);
  assert.match(answer, /^a1 (NO|BAD)/m, answer);
  assert.doesNotMatch(answer, /^a1 OK/m);
  // A client that does not trust the stack's CA does not talk to it.
  const unverified = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: true } });
  await assert.rejects(unverified.verify(), /self[- ]signed|unable to verify|certificate/i);
  // The CA is the stack's own, made for this run.
  assert.match(readFileSync(path.join(stateDir, 'mail', 'tls', 'ca.pem'), 'utf8'), /BEGIN CERTIFICATE/);
});

test('a document goes A → B over TLS, signed and encrypted, and A holds B’s Registration report', async () => {
  const sent = await sendDocument(ex.config, A.org, {
    annotation: 'О переходе на защищённый обмен',
    files: [{ name: 'Регламент.txt', content: Buffer.from('Обмен только по TLS, с подписью и шифрованием.') }],
    addresseeSevIndexes: [B.org.sevIndex],
  });
  const state = await registeredAtA(ex, sent.workflowIds[0]!, 'B registered it over TLS');
  assert.match(state.addresseeRegistration?.number ?? '', /^Вх-\d+$/);
  const outgoing = await A.db.message.findFirstOrThrow({ where: { direction: 'outgoing', kind: 'MainDoc', cardId: sent.cardId } });
  assert.equal(isSealed(await getBlob(A.db, outgoing.rawSha256!)), true, 'encrypted inside the TLS channel too');
  const card = await B.db.registrationCard.findFirstOrThrow({ where: { direction: 'incoming', documentUid: sent.documentUid }, include: { files: { include: { signatures: true } } } });
  assert.equal(card.files[0]?.signatures.length, 1);
});

/** Greeting, then `LOGIN` without TLS; returns everything the server said. */
function plaintextImapLogin(host: string, port: number, user: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let said = '';
    let sent = false;
    const socket = connect({ port, host, localAddress: '127.0.0.1' });
    socket.setTimeout(5000, () => socket.destroy(new Error(`IMAP did not answer: ${said}`)));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      said += chunk.toString('utf8');
      if (!sent && said.includes('\r\n')) {
        sent = true;
        socket.write(`a1 LOGIN ${user} ${password}\r\n`);
      } else if (/^a1 /m.test(said)) {
        socket.end('a2 LOGOUT\r\n');
        resolve(said);
      }
    });
  });
}
