import type { ConfigKey } from './config-schema.js';

/** `advertisedHost` -> `advertised-host` (the flag name without dashes in front). */
export function flagName(key: ConfigKey): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `advertisedHost` -> `FJORD_ADVERTISED_HOST`. */
export function envName(key: ConfigKey): string {
  return `FJORD_${flagName(key).replaceAll('-', '_').toUpperCase()}`;
}
