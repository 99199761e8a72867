// Shared by the exchange tests: sample packages with a per-test marker, and finding, waiting for
// and removing only this test's mail in the organizations' shared mailboxes.
import { randomBytes, randomUUID } from 'node:crypto';
import { buildMessage } from '../../codec';
import { composePackage, type ComposePackageInput } from '../../exchange/package';
import type { OrganizationConfig, SevConfig } from '../../workers/config';
import { samples } from '../codec/samples';
import { deleteMessages, listMailbox, withMailbox, type MailSummary } from '../stack/mail-helpers';

export const FOLDERS = ['INBOX', 'Processed', 'Quarantine'] as const;

/** A marker no other test or earlier run uses; it goes into every subject and Message-ID of the test. */
export function newMarker(label: string): string {
  return `${label}-${randomUUID()}`;
}

export function samplePassport(): Buffer {
  return Buffer.from(buildMessage(samples.mainDocMinimal), 'utf8');
}

export const sampleResources = () => [
  { name: 'Письмо о переносе совещания.pdf', content: randomBytes(20_000) },
  { name: 'Приложение №1 — список.docx', content: randomBytes(7_000) },
  { name: 'Письмо о переносе совещания.pdf.sig', content: randomBytes(1_500) },
];

/** A package from org-a to org-b whose subject and Message-ID carry `marker` and `label`. */
export function samplePackageInput(from: OrganizationConfig, to: OrganizationConfig, marker: string, label = ''): ComposePackageInput {
  return {
    from: from.mailbox.address,
    to: to.mailbox.address,
    subject: `Пакет СЭВ ${marker} ${label}`.trim(),
    mailMessageId: `<${marker}${label ? `.${label}` : ''}@sev.test>`,
    date: new Date(),
    passport: { name: 'DocInfo.xml', content: samplePassport() },
    resources: sampleResources(),
  };
}

export function composeSample(from: OrganizationConfig, to: OrganizationConfig, marker: string, label = ''): Promise<Buffer> {
  return composePackage(samplePackageInput(from, to, marker, label));
}

/** Puts a mail straight into a folder (IMAP APPEND): arrival order is then exactly the call order. */
export function appendMail(config: SevConfig, org: OrganizationConfig, raw: Buffer, folder = 'INBOX'): Promise<void> {
  return withMailbox(config, org, folder, async (client) => {
    await client.append(folder, raw);
  });
}

export async function myMail(config: SevConfig, org: OrganizationConfig, marker: string, folder: string): Promise<MailSummary[]> {
  return (await listMailbox(config, org, folder)).filter((mail) => mail.subject.includes(marker));
}

/** Where this test's mail is now, folder by folder. */
export async function whereIsMyMail(config: SevConfig, org: OrganizationConfig, marker: string): Promise<Record<(typeof FOLDERS)[number], string[]>> {
  const subjectsIn = async (folder: string) => (await myMail(config, org, marker, folder)).map((mail) => mail.subject).sort();
  return { INBOX: await subjectsIn('INBOX'), Processed: await subjectsIn('Processed'), Quarantine: await subjectsIn('Quarantine') };
}

/** Deletes this test's mail from every folder, and nothing else. */
export async function deleteMyMail(config: SevConfig, org: OrganizationConfig, marker: string): Promise<void> {
  for (const folder of FOLDERS) {
    const uids = (await myMail(config, org, marker, folder)).map((mail) => mail.uid);
    await deleteMessages(config, org, uids, folder);
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
