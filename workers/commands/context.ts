import { userInfo } from 'node:os';
import type { SevConfig } from '../config';

export interface CliContext {
  /** Loads and validates the configuration on first use (a wrong setting throws ConfigError). */
  config(): SevConfig;
}

/** An error the CLI prints as is (no stack trace) before exiting with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Who did it, as the CLI records it: the name given with --by, vouched for by the operating-system
 * account that ran the command (the account that may read SEV's configuration and secrets).
 */
export function actorOf(by: string | undefined): string {
  let account: string;
  try {
    account = userInfo().username;
  } catch {
    account = process.env.USER ?? 'оператор';
  }
  const name = by?.trim();
  return name && name !== account ? `${name} (учётная запись ${account})` : account;
}
