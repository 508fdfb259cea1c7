import { inspect } from 'node:util';
import { z } from 'zod';

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

declare module 'zod' {
  interface GlobalMeta {
    /** The setting holds a secret: loadConfig never quotes its value in a problem. */
    secret?: boolean;
  }
}

/**
 * Marks a setting's schema as secret (see {@link isSecretSetting}); wrap it in `.optional()`,
 * `.default()` and `.describe()` afterwards as any other setting.
 */
export function secretSetting<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true }) as T;
}

/** Whether a setting's schema (through `.optional()` / `.default()`) was marked secret. */
export function isSecretSetting(schema: z.ZodType): boolean {
  let current: z.ZodType = schema;
  for (;;) {
    if (z.globalRegistry.get(current)?.secret === true) return true;
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
    } else return false;
  }
}

/** A non-empty secret setting (flag, FJORD_* variable or file value), parsed into a {@link Secret}. */
export const secret = secretSetting(
  z
    .string()
    .min(1, 'must not be empty')
    .transform((value) => new Secret(value)),
);
