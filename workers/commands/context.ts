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
