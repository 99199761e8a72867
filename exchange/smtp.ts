// Sending packages: one pooled nodemailer transporter per process, composed MIME sent as is,
// and every failure classified where it happens: a permanent SMTP refusal (5xx) will not go
// through on a retry, everything else (connection trouble, 4xx) may.
import type { Readable } from 'node:stream';
import { smtpOptions } from './tls';
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { SevConfig } from '../workers/config';

/** The server refused the message for good (5xx): retrying the same message is pointless. */
export class PermanentSmtpError extends Error {
  override name = 'PermanentSmtpError';
  constructor(
    message: string,
    readonly responseCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message may go through later: connection trouble or a temporary (4xx) refusal. */
export class TransientSmtpError extends Error {
  override name = 'TransientSmtpError';
  constructor(
    message: string,
    readonly responseCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OutgoingRawMessage {
  /** SMTP envelope sender (MAIL FROM). */
  from: string;
  /** The one addressee: each addressee gets its own mail so that each is tracked on its own. */
  to: string;
  /** The composed MIME (see composePackage), sent byte for byte; a stream is read as it is sent. */
  raw: Buffer | Readable;
}

export interface SentMessage {
  accepted: string[];
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued as 58865178015`. */
  response: string;
}

export interface MailSender {
  /** Checks that the SMTP server answers and accepts us; call once at start-up. */
  verify(): Promise<void>;
  sendRaw(message: OutgoingRawMessage): Promise<SentMessage>;
  close(): void;
}

export function createMailSender(config: SevConfig): MailSender {
  const { host, port } = config.mail.smtp;
  const server = `${host}:${port}`;
  const transporter = nodemailer.createTransport({ pool: true, ...smtpOptions(config) });

  return {
    async verify() {
      try {
        await transporter.verify();
      } catch (err) {
        throw classifySmtpError(err, `SMTP-сервер ${server} недоступен`);
      }
    },

    async sendRaw({ from, to, raw }) {
      let info;
      try {
        info = await transporter.sendMail({ envelope: { from, to: [to] }, raw });
      } catch (err) {
        throw classifySmtpError(err, `SMTP-сервер ${server} не принял письмо для ${to}`);
      }
      // With one recipient a refusal arrives as an error; this guards the contract anyway.
      if (info.rejected.length > 0 || info.accepted.length === 0) {
        throw new PermanentSmtpError(`SMTP-сервер ${server} отклонил адресата ${to}`, undefined);
      }
      return { accepted: info.accepted.map(String), response: info.response };
    },

    close() {
      transporter.close();
    },
  };
}

// Errors that say something is wrong with this SEV's own setup, not with the message: they are
// retried until an operator fixes the setup, instead of failing every exchange for good.
const SETUP_ERROR_CODES = new Set(['EAUTH', 'ENOAUTH', 'ECONFIG']);

/** Turns a nodemailer error into PermanentSmtpError or TransientSmtpError, keeping it as the cause. */
export function classifySmtpError(err: unknown, context: string): PermanentSmtpError | TransientSmtpError {
  const error = (err ?? {}) as NodemailerError;
  const detail = error.response ?? error.message ?? String(err);
  const message = `${context}: ${detail}`;
  const permanent =
    !SETUP_ERROR_CODES.has(error.code ?? '') &&
    // A reply code is there when the server answered; without one only an envelope nodemailer
    // itself refused (a malformed address) is certain to fail again.
    (error.responseCode !== undefined ? error.permanent === true : error.code === 'EENVELOPE');
  return permanent
    ? new PermanentSmtpError(message, error.responseCode, { cause: err })
    : new TransientSmtpError(message, error.responseCode, { cause: err });
}
