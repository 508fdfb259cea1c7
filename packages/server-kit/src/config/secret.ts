import { inspect } from 'node:util';
import { z } from 'zod';
import { markSetting } from './setting-meta.js';

/** What a secret shows wherever it is printed, logged or serialized. */
export const REDACTED = '***';

/**
 * A setting's secret value (a password): `reveal()` gives it to the code that needs it, and
 * everything else that turns it into text — `--print-config`'s JSON, a logger, `console.log`,
 * a template string — sees `***`, so a configuration object can be printed or logged whole.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the one place that uses it. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** A non-empty secret setting (flag, FJORD_* variable or file value), parsed into a {@link Secret}. */
export const secret = markSetting(
  z
    .string()
    .min(1, 'must not be empty')
    .transform((value) => new Secret(value)),
  { secret: true },
);
