// `sev xml …`: look at SEV wire-format messages from the command line.
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, type CliContext } from './context';

/** Exit code for an input the codec refuses (and for a file that cannot be read). */
const REJECTED = 2;

export function registerXmlCommands(program: Command, _context: CliContext): void {
  const xml = program.command('xml').description('сообщения СЭВ в формате XML (паспорта, доклады, синхронизация)');

  xml
    .command('parse')
    .description('разобрать сообщение СЭВ и вывести его в JSON: сводку и всё сообщение (ключ message)')
    .argument('<file>', 'XML-файл сообщения (DocInfo, Report, SyncInfo или SyncReport)')
    .action(async (file: string) => {
      const { parseMessage, DEFAULT_MAX_BYTES, SevXmlError } = await import('../../codec/parse');
      const { summarizeMessage } = await import('../../codec/summary');
      // One byte past the limit is enough for the codec to refuse the input without reading a
      // huge (or endless) file to its end.
      const bytes = await readAtMost(file, DEFAULT_MAX_BYTES + 1);
      try {
        const message = parseMessage(bytes);
        process.stdout.write(`${JSON.stringify({ ...summarizeMessage(message), message }, null, 2)}\n`);
      } catch (err) {
        if (!(err instanceof SevXmlError)) throw err;
        const place = err.place ? ` ${err.place}` : '';
        throw new CliError(`сообщение отклонено: ${err.code}${place}: ${err.message}`, REJECTED);
      }
    });
}

async function readAtMost(file: string, limit: number): Promise<Buffer> {
  const handle = await open(file, 'r').catch((err: unknown) => {
    throw new CliError(readFailure(file, err), REJECTED);
  });
  try {
    const buffer = Buffer.alloc(limit);
    let total = 0;
    while (total < limit) {
      const { bytesRead } = await handle.read(buffer, total, limit - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return buffer.subarray(0, total);
  } catch (err) {
    throw new CliError(readFailure(file, err), REJECTED);
  } finally {
    await handle.close();
  }
}

function readFailure(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `файл не найден: ${file}`;
  if (code === 'EISDIR') return `это каталог, а не файл: ${file}`;
  if (code === 'EACCES') return `нет доступа к файлу: ${file}`;
  return `не удалось прочитать файл ${file}: ${err instanceof Error ? err.message : String(err)}`;
}
