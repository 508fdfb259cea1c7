/** Flag name of a config key, without the dashes: `advertisedHost` -> `advertised-host`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Environment variable of a config key: `advertisedHost` -> `FJORD_ADVERTISED_HOST`. */
export function envName(key: string): string {
  return `FJORD_${flagName(key).replaceAll('-', '_').toUpperCase()}`;
}

/** Config key of a flag or file key written in kebab-case: `advertised-host` -> `advertisedHost`. */
export function keyOfFlag(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
