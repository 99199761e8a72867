// Tokens of the HTTP API: who may call it. A token is a random secret shown once when it is made;
// only its SHA-256 is compared, and neither the token nor its hash is ever logged. Tokens come
// from a file only their owner may read (`name:token` a line) and from SEV_API_TOKENS.
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { registerSecrets } from '../workers/log';

export class ApiTokenError extends Error {
  override name = 'ApiTokenError';
}

const NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Token hashes and the names they stand for. */
export class ApiTokens {
  private constructor(private readonly byHash: Map<string, string>) {}

  static async load(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ApiTokens> {
    const byHash = new Map<string, string>();
    const add = (line: string, where: string) => {
      const at = line.indexOf(':');
      const name = line.slice(0, at).trim();
      const token = line.slice(at + 1).trim();
      if (at <= 0 || !NAME.test(name) || token.length < 16) throw new ApiTokenError(`${where}: ожидается «имя:токен» (токен не короче 16 символов)`);
      byHash.set(hash(token), name);
      registerSecrets([token]);
    };
    let text: string | undefined;
    try {
      const mode = (await stat(file)).mode & 0o777;
      if (mode & 0o077) throw new ApiTokenError(`файл токенов ${file} доступен не только владельцу (права ${mode.toString(8)}); выполните chmod 600`);
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    (text ?? '').split('\n').forEach((line, i) => {
      if (line.trim() && !line.trim().startsWith('#')) add(line, `${file}, строка ${i + 1}`);
    });
    for (const [i, item] of (env.SEV_API_TOKENS ?? '').split(',').entries()) if (item.trim()) add(item, `SEV_API_TOKENS, элемент ${i + 1}`);
    return new ApiTokens(byHash);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The name of the token in an `Authorization: Bearer …` header, or undefined. */
  authenticate(header: string | undefined): string | undefined {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    return token ? this.byHash.get(hash(token)) : undefined;
  }
}

/** Makes a token for `name`, appends it to the owner-only file, and returns it (shown once). */
export async function createApiToken(file: string, name: string): Promise<string> {
  if (!NAME.test(name)) throw new ApiTokenError(`имя токена «${name}»: буквы, цифры, . _ @ -, до 64 символов`);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await appendFile(file, `${name}:${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return token;
}
