// Backlog: N real SEV packages from A put into B's mailbox while B's SEV is stopped, then B's
// worker process is started and drains them. Each package is what A's SEV would send — passport
// built and signed with SEV's own functions (outgoingPassport + signedPassport), composed with composePackage —
// each with its own MessageID, document UID and file. A's SEV does not run: B's reports pile up
// in A's mailbox and are thrown away afterwards.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { signedPassport } from '../activities/outgoing';
import { outgoingPassport } from '../activities/passports';
import { ensureOrganizationKey } from '../security/organization-keys';
import { composePackage } from '../exchange/package';
import { mailMessageIdFor } from '../registry/messages';
import type { SevConfig } from '../workers/config';
import { queryOne } from './database';
import type { Sender } from './exchange';
import { countMailbox, emptyMailbox } from '../stack/mailboxes';
import { startSevWorker } from './process';
import { sleep, withConcurrency } from './stats';

export interface BacklogResult {
  n: number;
  fileBytes: number;
  injectSeconds: number;
  drainSeconds: number;
  drainPerSecond: number;
  registered: number;
  distinctUids: number;
  /** Incoming cards of this backlog in any status: more than `registered` would be a document taken twice. */
  cards: number;
  peakRss: number;
  hwm: number;
  leftInInbox: number;
  quarantined: number;
  complete: boolean;
}

const guid = () => randomUUID().replace(/-/g, '').toUpperCase();

export async function benchBacklog(config: SevConfig, s: Sender, configFile: string, n: number, fileBytes: number, log: (line: string) => void): Promise<BacklogResult> {
  const { a, b } = s;
  // One real card at A gives the addressee as A's directory knows it; every package is a document of its own.
  const template = await s.edms.createOutgoingCard({ kind: 'Письмо', annotation: 'Шаблон очереди', files: [{ name: 'Шаблон.pdf', content: Buffer.from('шаблон') }], addresseeSevIndexes: [b.sevIndex] });
  const addressee = (await s.edms.getOutgoingDocument(template.cardId)).addressees[0]!;
  const base = randomBytes(fileBytes);
  // A's key, made now if A's SEV never ran; B trusts it when its worker starts.
  const { pair: key } = await ensureOrganizationKey(config, a);
  const { host, port, secure } = config.mail.smtp;
  const smtp = nodemailer.createTransport({ pool: true, maxConnections: 4, maxMessages: Infinity, host, port, secure });

  log(`  очередь: кладём ${n} пакетов в ящик ${b.mailbox.address} (СЭВ организации Б остановлена)`);
  const injectStart = Date.now();
  let sent = 0;
  await withConcurrency(
    Array.from({ length: n }, (_, i) => i),
    16,
    async (i) => {
      const content = Buffer.concat([Buffer.from(`backlog ${i} ${guid()}\n`), base]);
      const sha256 = createHash('sha256').update(content).digest('hex');
      const name = `Документ очереди ${i + 1}.pdf`;
      const messageId = guid();
      const doc = {
        cardId: randomUUID(),
        regNumber: `Исх-О${i + 1}`,
        regDate: template.regDate,
        documentUid: guid(),
        kind: 'Письмо',
        annotation: `Документ из очереди ${i + 1}`,
        files: [{ name, sha256, size: content.length, signatures: [] }],
        addressees: [addressee],
      };
      const { message } = outgoingPassport(a, doc, addressee, { messageId, time: new Date().toISOString() });
      // Signed with A's key as A's SEV signs: B accepts nothing else.
      const { xml, signature } = await signedPassport(message, 'DocInfo.xml', key);
      const raw = await composePackage({
        from: a.mailbox.address,
        to: b.mailbox.address,
        subject: `Документ № ${doc.regNumber} от ${doc.regDate}`,
        mailMessageId: mailMessageIdFor(messageId, a.mailbox.address),
        date: new Date(),
        passport: { name: 'DocInfo.xml', content: xml },
        resources: [{ name, content }, signature],
      });
      await smtp.sendMail({ envelope: { from: a.mailbox.address, to: [b.mailbox.address] }, raw });
      if (++sent % 1000 === 0) log(`  очередь: отправлено ${sent} из ${n}`);
    },
  );
  smtp.close();
  // Postfix hands the mail to Dovecot on its own schedule: wait until all of it is in B's INBOX.
  for (let inbox = 0, since = Date.now(); ; ) {
    inbox = await countMailbox(config, b);
    if (inbox >= n) break;
    if (Date.now() - since > 10 * 60_000) throw new Error(`only ${inbox} of ${n} packages reached B's INBOX`);
    await sleep(1000);
  }
  const injectSeconds = (Date.now() - injectStart) / 1000;
  log(`  очередь: ${n} пакетов в ящике Б за ${injectSeconds.toFixed(1)} с; запускаем СЭВ организации Б`);

  // Only this backlog's documents: incoming cards whose sender number is one of ours (Исх-О…).
  const registeredQuery = `SELECT count(*) FILTER (WHERE status = 'registered') AS n, count(DISTINCT document_uid) FILTER (WHERE status = 'registered') AS uids, count(*) AS cards FROM registration_cards WHERE direction = 'incoming' AND sender_reg_number LIKE 'Исх-О%'`;
  const drainStart = Date.now();
  const worker = await startSevWorker(configFile, [b.id]);
  let registered = 0;
  let distinctUids = 0;
  let cards = 0;
  let complete = false;
  try {
    let lastProgress = Date.now();
    let lastPrint = 0;
    for (;;) {
      const row = await queryOne<{ n: string; uids: string; cards: string }>(b.databaseUrl, registeredQuery);
      cards = Number(row.cards);
      if (Number(row.n) > registered) lastProgress = Date.now();
      registered = Number(row.n);
      distinctUids = Number(row.uids);
      if (Date.now() - lastPrint > 15_000 || registered >= n) {
        lastPrint = Date.now();
        const elapsed = (Date.now() - drainStart) / 1000;
        log(`  очередь: зарегистрировано ${registered} из ${n} за ${elapsed.toFixed(0)} с (${(registered / elapsed).toFixed(1)}/с), память ${(worker.rss() / 2 ** 20).toFixed(0)} МБ, пик ${(worker.peakRss() / 2 ** 20).toFixed(0)} МБ`);
      }
      if (registered >= n) {
        complete = true;
        break;
      }
      if (Date.now() - lastProgress > 5 * 60_000) {
        log('  очередь: 5 минут без новых регистраций — останавливаем замер');
        break;
      }
      await sleep(500);
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    // Let the reports of the last documents go out, then read what is left.
    await sleep(3000);
    const leftInInbox = await countMailbox(config, b);
    const quarantined = await countMailbox(config, b, 'Quarantine');
    return {
      n,
      fileBytes,
      injectSeconds,
      drainSeconds,
      drainPerSecond: registered / drainSeconds,
      registered,
      distinctUids,
      cards,
      peakRss: worker.peakRss(),
      hwm: worker.hwm(),
      leftInInbox,
      quarantined,
      complete,
    };
  } finally {
    await worker.stop();
    for (const folder of ['INBOX', 'Processed', 'Quarantine']) {
      await emptyMailbox(config, a, folder);
      await emptyMailbox(config, b, folder);
    }
  }
}
