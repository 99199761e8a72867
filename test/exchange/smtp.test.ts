// Sending packages through the local stack's Postfix: what arrives in the addressee's mailbox
// is the package that was sent, and refusals are classified as permanent or transient.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { composePackage } from '../../exchange/package';
import { readPackageWithFiles } from '../support/packages';
import { createMailSender, type MailSender } from '../../exchange/smtp';
import { findOrganization, loadConfig, type SevConfig } from '../../workers/config';
import { fetchRawMessage, waitForMessage } from '../stack/mail-helpers';
import { deleteMyMail, newMarker, samplePackageInput } from './helpers';

const config = loadConfig();
const orgA = findOrganization(config, 'org-a');
const orgB = findOrganization(config, 'org-b');

let sender: MailSender;
const markers: string[] = [];

before(async () => {
  sender = createMailSender(config);
  await sender.verify();
});

after(async () => {
  sender.close();
  for (const marker of markers) await deleteMyMail(config, orgB, marker);
});

test('a package sent through Postfix arrives in the addressee’s INBOX with every attachment intact', async () => {
  const marker = newMarker('smtp-send');
  markers.push(marker);
  const input = samplePackageInput(orgA, orgB, marker);
  const raw = await composePackage(input);

  const sent = await sender.sendRaw({ from: orgA.mailbox.address, to: orgB.mailbox.address, raw });
  assert.deepEqual(sent.accepted, [orgB.mailbox.address]);
  assert.match(sent.response, /^250 /);

  const arrived = await waitForMessage(config, orgB, (mail) => mail.subject.includes(marker), { timeoutMs: 20_000 });
  assert.equal(arrived.messageId, `<${marker}@sev.test>`);
  const { pkg, files } = await readPackageWithFiles(await fetchRawMessage(config, orgB, arrived.uid));
  assert.ok(pkg.ok, pkg.ok ? '' : pkg.reason);
  assert.ok(pkg.passport.content.equals(input.passport.content));
  assert.deepEqual(
    pkg.attachments.map((file) => file.name),
    input.resources.map((file) => file.name),
  );
  pkg.attachments.forEach((file, i) => assert.ok(files[i]!.content.equals(input.resources[i]!.content as Buffer), `${file.name}: content differs`));
});

test('an unknown recipient at the local domain is refused for good (550): PermanentSmtpError', async () => {
  const raw = await composePackage(samplePackageInput(orgA, orgB, newMarker('smtp-550')));
  const to = `nobody-${newMarker('x')}@${config.mail.domain}`;
  await assert.rejects(sender.sendRaw({ from: orgA.mailbox.address, to, raw }), (err: Error & { responseCode?: number }) => {
    assert.equal(err.name, 'PermanentSmtpError');
    assert.equal(err.responseCode, 550);
    assert.match(err.message, /User unknown/);
    return true;
  });
});

test('no SMTP server listening: TransientSmtpError, from verify() and from sendRaw()', async () => {
  const port = await unusedPort();
  const unreachable: SevConfig = { ...config, mail: { ...config.mail, smtp: { ...config.mail.smtp, port } } };
  const offline = createMailSender(unreachable);
  try {
    const isTransient = (err: Error) => err.name === 'TransientSmtpError';
    await assert.rejects(offline.verify(), isTransient);
    const raw = await composePackage(samplePackageInput(orgA, orgB, newMarker('smtp-offline')));
    await assert.rejects(offline.sendRaw({ from: orgA.mailbox.address, to: orgB.mailbox.address, raw }), isTransient);
  } finally {
    offline.close();
  }
});

/** A port nothing listens on: bound by the OS, then released. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
