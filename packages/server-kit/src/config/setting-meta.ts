import { z } from 'zod';

declare module 'zod' {
  interface GlobalMeta {
    /** The setting holds a secret: loadConfig never quotes its value in a problem. */
    secret?: boolean;
    /** The flag may be given several times; loadConfig joins the values with commas. */
    repeatable?: boolean;
  }
}

/** How loadConfig treats a setting beyond its schema. */
export interface SettingTraits {
  readonly secret?: boolean;
  readonly repeatable?: boolean;
}

/**
 * Marks a setting's schema (see {@link settingTraits}); wrap it in `.optional()`,
 * `.default()` and `.describe()` afterwards as any other setting.
 */
export function markSetting<T extends z.ZodType>(schema: T, traits: SettingTraits): T {
  return schema.meta({ ...traits }) as T;
}

/** The traits a setting's schema (through `.optional()` / `.default()`) was marked with. */
export function settingTraits(schema: z.ZodType): SettingTraits {
  let current: z.ZodType = schema;
  for (;;) {
    const meta = z.globalRegistry.get(current);
    if (meta?.secret !== undefined || meta?.repeatable !== undefined) {
      return { secret: meta.secret === true, repeatable: meta.repeatable === true };
    }
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
    } else return {};
  }
}

/** Whether a setting holds a secret (never quoted back in a problem). */
export function isSecretSetting(schema: z.ZodType): boolean {
  return settingTraits(schema).secret === true;
}
