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
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }, errorReplacer);
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
