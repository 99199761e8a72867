// Structured log lines (one JSON object a line) for the processes SEV runs, with the ids that
// matter — organization, workflow id, message id, document number — as fields.
type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const rank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let minimum: Level = 'info';

// Secrets never reach a log line: the values registered here (mailbox passwords, API tokens), the
// password of any URL, and any PEM private key are replaced before a line is written.
const secrets = new Set<string>();

/** Values that must never be logged; registered when configuration and tokens are loaded. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[закрытый ключ скрыт]')
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"]*:)[^@/?#\s"]+@/gi, '$1***@');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/** Lines below this level are dropped (the demo keeps its story readable with 'warn'). */
export function setLogLevel(level: Level): void {
  minimum = level;
}

export function currentLogLevel(): Level {
  return minimum;
}

export function logger(base: Fields = {}): Logger {
  const write = (level: Level, msg: string, fields?: Fields) => {
    if (rank[level] < rank[minimum]) return;
    const line = redact(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }, errorReplacer));
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => logger({ ...base, ...fields }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
