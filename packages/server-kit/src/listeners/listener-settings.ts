import { z } from 'zod';
import { parseListenerList, parseSecurityProtocolMap } from './listener-address.js';
import type { ListenerProblem } from './resolve-listeners.js';

/** `--listeners`: `NAME://host:port,...`, where to bind (an empty host binds every interface). */
export const bindListenerList = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const parsed = parseListenerList(text, 0);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.addresses;
  });

/** `--advertised-listeners`: `NAME://host:port,...`, what clients are told (port >= 1). */
export const advertisedListenerList = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const parsed = parseListenerList(text, 1);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.addresses;
  });

/** `--listener-security-protocol-map`: `NAME:PROTOCOL,...`. */
export const securityProtocolMap = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const parsed = parseSecurityProtocolMap(text);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.map;
  });

/** Reports listener problems as issues of the settings they are about (inside a schema's transform). */
export function reportListenerProblems(ctx: z.RefinementCtx, problems: readonly ListenerProblem[]): void {
  for (const { key, message } of problems) ctx.addIssue({ code: 'custom', message, path: [key] });
}
