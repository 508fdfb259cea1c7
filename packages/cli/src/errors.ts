import { FjordError } from '@fjord/sdk';
import { CommanderError } from 'commander';
import { UsageError } from './usage-error.js';

/** What an error message may refer to. */
export interface ErrorContext {
  /** The coordinator address the command used, to tell "coordinator down" from "broker down". */
  bootstrap?: string;
}

/** Exit code for a failure: 2 for usage errors (as commander does), 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  return 1;
}

/**
 * One readable line (without the `fjord: ` prefix) for any failure: no stack trace, the error
 * code a user can search for, and what to do when the cluster is not reachable.
 */
export function errorLine(error: unknown, context: ErrorContext = {}): string {
  if (error instanceof UsageError) return error.message;
  const connection = findInChain(error, (e) => codeOf(e) === 'CONNECTION_ERROR');
  if (connection) return connectionLine(connection, context);
  const timeout = findInChain(error, (e) => codeOf(e) === 'REQUEST_TIMEOUT');
  if (timeout && codeOf(error) !== 'REQUEST_TIMEOUT' && codeOf(error) !== 'DELIVERY_TIMEOUT') {
    return `${messageOf(error)} (last failure: ${messageOf(timeout)})`;
  }
  return describeFjordError(error);
}

function connectionLine(error: Error, { bootstrap }: ErrorContext): string {
  const address = (error as { address?: string }).address ?? bootstrap;
  // The server is running but refused the TLS handshake: "is it running?" would mislead.
  const tls = findInChain(error, (e) => /TLS handshake/i.test(e.message));
  if (tls) return firstLine(tls.message);
  const reason = connectionReason(chainText(error));
  if (address === undefined || address === bootstrap || bootstrap?.split(',').includes(address)) {
    return (
      `cannot reach coordinator at ${address ?? 'the bootstrap address'} (${reason}) — is the cluster running? ` +
      'start it with: npm start'
    );
  }
  return `cannot reach broker at ${address} (${reason}) — is it running?`;
}

/** Turns gRPC/libuv failure text into a few words. */
export function connectionReason(text: string): string {
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN|Name resolution failed|DNS resolution failed/i.test(text)) return 'host not found';
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'host unreachable';
  if (/ETIMEDOUT|Deadline exceeded|timed out/i.test(text)) return 'timed out';
  if (/ECONNRESET|Connection dropped/i.test(text)) return 'connection reset';
  return 'unavailable';
}

/** `topic "x": UNKNOWN_TOPIC_OR_PARTITION — message`, or `CODE: message` without a topic. */
function describeFjordError(error: unknown): string {
  const code = codeOf(error);
  const errors = (error as { errors?: unknown[] }).errors;
  if (code === 'MULTIPLE_ERRORS' && Array.isArray(errors)) return errors.map(describeFjordError).join('; ');
  const message = messageOf(error);
  const topic = (error as { topic?: unknown }).topic;
  if (typeof topic === 'string' && code) {
    const partition = (error as { partition?: unknown }).partition;
    const where =
      typeof partition === 'number' ? `topic "${topic}" partition ${partition}` : `topic "${topic}"`;
    // The topic goes up front, so the server's own text (without the SDK's additions) follows.
    return `${where}: ${code} — ${firstLine(rawMessageOf(error) ?? message)}`;
  }
  if (code && code !== 'UNKNOWN') return `${code}: ${message}`;
  return message;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return firstLine(error instanceof Error ? error.message : String(error));
}

function rawMessageOf(error: unknown): string | undefined {
  return error instanceof FjordError ? error.rawMessage : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function findInChain(error: unknown, test: (e: Error) => boolean): Error | undefined {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (test(e)) return e;
  }
  return undefined;
}

function chainText(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    parts.push(e.message, String((e as { details?: unknown }).details ?? ''));
  }
  return parts.join(' ');
}

/** Everything about an error, for FJORD_DEBUG=1: stack and the chain of causes. */
export function debugDump(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e = error; e !== undefined && !seen.has(e); e = e instanceof Error ? e.cause : undefined) {
    seen.add(e);
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  return parts.join('\ncaused by: ');
}
