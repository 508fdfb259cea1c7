import { z } from 'zod';
import { LOG_LEVELS } from '../logger.js';
import { DEFAULT_HOST } from './network-defaults.js';

// Zod pieces for settings. Flags, FJORD_* variables and file values all arrive as strings,
// so every numeric setting parses a string; the messages name the rule, and loadConfig adds
// the setting's flag, variable and the value it got.

/** A whole number given as a string, within [min, max]. */
export function int(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));
}

/** A duration in milliseconds, within [min, max] (the name says the unit; the key ends in `Ms`). */
export function durationMs(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return int(min, max);
}

/** A TCP port; `min` 0 lets the OS pick an ephemeral one, -1 is allowed where it means "off". */
export function port(min: 0 | 1 | -1 = 0) {
  return int(min, 65_535);
}

/** A non-empty string (a host, a directory). */
export const nonEmpty = z.string().trim().min(1, 'must not be empty');

const HOST_PORT_PATTERN = /^(\[[0-9a-fA-F:]+\]|[^:\s[\]]+):\d{1,5}$/;

/** `host:port`, with an IPv6 host in brackets (`[::1]:7400`). */
export const hostPort = z.string().trim().regex(HOST_PORT_PATTERN, 'must be host:port');

/**
 * A comma-separated list of `host:port` (`a:7400,b:7401`, or an array in a config file), at
 * least one, without repeats: the coordinators a broker may ask. The message names the entry
 * that is not host:port.
 */
export const hostPortList = z
  // A config file may give a list as YAML/JSON array; flags and variables give one string.
  .preprocess((value) => (Array.isArray(value) ? value.join(',') : value), z.string().trim())
  .transform((text, ctx) => {
    const entries = text.split(',').map((entry) => entry.trim());
    for (const entry of entries) {
      if (!HOST_PORT_PATTERN.test(entry)) {
        ctx.addIssue({
          code: 'custom',
          message:
            entry === ''
              ? 'must be host:port[,host:port...] without empty entries'
              : `"${entry}" must be host:port`,
        });
        return z.NEVER;
      }
    }
    if (new Set(entries).size !== entries.length) {
      ctx.addIssue({ code: 'custom', message: 'lists an address twice' });
      return z.NEVER;
    }
    return entries;
  });

/** The `logLevel` setting every server has. */
export const logLevel = z.enum(LOG_LEVELS).default('info').describe('log level');

/**
 * The `host` setting every server has: where its metrics server binds, and its one gRPC (and
 * Kafka) listener when it has no named listeners.
 */
export const bindHost = nonEmpty
  .default(DEFAULT_HOST)
  .describe('bind address of the metrics server, and of the gRPC and Kafka ports without --listeners');

/** `true` or `false` (any case), as a flag, variable or file value gives it. */
export const bool = z
  .preprocess(
    (value) => (typeof value === 'boolean' ? String(value) : value),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((text) => text === 'true' || text === 'false', 'must be true or false'),
  )
  .transform((text) => text === 'true');
