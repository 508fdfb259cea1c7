import type { ConfigResult } from './load-config.js';

/** Exit code of a process started with a bad configuration. */
export const EXIT_BAD_CONFIG = 2;

export interface SettleOptions<T, R> {
  /** Process name for messages, e.g. `fjord-broker`. */
  command: string;
  /** `--help` text. */
  help: () => string;
  /** Fills in derived defaults (e.g. the broker's port from its id). */
  resolve: (config: T) => R;
}

/**
 * What a process's main() does with its configuration: prints help, or every problem (and
 * sets exit code 2), or the effective configuration for `--print-config`, and then returns
 * undefined so that main() ends; otherwise returns the configuration to run with.
 */
export function settleConfig<T, R>(result: ConfigResult<T>, options: SettleOptions<T, R>): R | undefined {
  if (result.kind === 'help') {
    process.stdout.write(options.help());
    return undefined;
  }
  if (result.kind === 'invalid') {
    process.stderr.write(
      `${options.command}: invalid configuration\n${result.problems.map((p) => `  ${p}\n`).join('')}`,
    );
    process.exitCode = EXIT_BAD_CONFIG;
    return undefined;
  }
  const config = options.resolve(result.config);
  if (result.printConfig) {
    process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return undefined;
  }
  return config;
}
