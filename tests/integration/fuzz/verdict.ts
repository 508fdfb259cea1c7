import { ERROR_CODE_METADATA_KEY, ErrorCode } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** How one fuzzed call ended. */
export interface CallOutcome {
  elapsedMs: number;
  error?: grpc.ServiceError;
  /** The decoded response of a call that succeeded. */
  response?: unknown;
}

/** What the verdict allows a call. */
export interface CallAllowance {
  /** Answer time allowed: a second, plus the hold the contract grants this request. */
  answerWithinMs: number;
  /** The client gave up waiting on a long-poll the contract lets run longer than that: fine. */
  clientGaveUp: boolean;
}

/** Whether the call missed its time (answered late, or not at all where that is not allowed). */
export function isLate(outcome: CallOutcome, allowance: CallAllowance): boolean {
  if (outcome.error?.code === grpc.status.DEADLINE_EXCEEDED) return !allowance.clientGaveUp;
  return outcome.elapsedMs > allowance.answerWithinMs;
}

/** Every message a call's answer carries: the status details and every error_message in it. */
export function messagesOf(outcome: CallOutcome): string[] {
  if (outcome.error) return [outcome.error.details ?? outcome.error.message];
  const found: string[] = [];
  walk(outcome.response, (node) => {
    if (typeof node.errorMessage === 'string' && node.errorMessage !== '') found.push(node.errorMessage);
  });
  return found;
}

/**
 * Why an answer fails the verdict (empty when it passes): it must come in time; a failed call
 * must carry a gRPC status other than INTERNAL/UNKNOWN, a Fjord code in the trailer and a
 * message (the one exception: grpc-js refuses a body over the server's cap before any of our
 * code runs, RESOURCE_EXHAUSTED naming both sizes); a succeeded call's every item with an error
 * code must say what is wrong.
 */
export function verdictProblems(outcome: CallOutcome, allowance: CallAllowance): string[] {
  const problems: string[] = [];
  const { error } = outcome;
  if (error?.code === grpc.status.DEADLINE_EXCEEDED) {
    if (!allowance.clientGaveUp) problems.push(`no answer within ${allowance.answerWithinMs} ms`);
    return problems;
  }
  if (outcome.elapsedMs > allowance.answerWithinMs) {
    problems.push(`answered after ${outcome.elapsedMs} ms, allowed ${allowance.answerWithinMs} ms`);
  }
  if (error) {
    const details = error.details ?? '';
    const fjordCode = error.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
    const sizeCap = error.code === grpc.status.RESOURCE_EXHAUSTED && /larger than max/.test(details);
    if (error.code === grpc.status.INTERNAL || error.code === grpc.status.UNKNOWN) {
      problems.push(`status ${grpc.status[error.code]} (a bug, not a refusal): ${details}`);
    } else if (fjordCode === undefined && !sizeCap) {
      problems.push(
        `status ${grpc.status[error.code]} without a ${ERROR_CODE_METADATA_KEY} trailer: ${details}`,
      );
    }
    if (fjordCode === String(ErrorCode.UNKNOWN_SERVER_ERROR))
      problems.push(`UNKNOWN_SERVER_ERROR: ${details}`);
    if (details.trim() === '') problems.push(`status ${grpc.status[error.code]} with an empty message`);
    return problems;
  }
  walk(outcome.response, (node) => {
    const code = node.errorCode;
    if (typeof code !== 'number' || code === 0 || !('errorMessage' in node)) return;
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR)
      problems.push(`item answered UNKNOWN_SERVER_ERROR: ${node.errorMessage}`);
    if (typeof node.errorMessage !== 'string' || node.errorMessage.trim() === '') {
      problems.push(`item with error code ${code} and no message: ${JSON.stringify(node).slice(0, 200)}`);
    }
  });
  return problems;
}

/**
 * The live broker epochs an answer names. An epoch the request itself carries may be echoed
 * (the caller already had it); any other is the credential leaking.
 */
export function leakedEpochs(
  messages: readonly string[],
  liveEpochs: Iterable<bigint>,
  decodedRequest: unknown,
): bigint[] {
  const requestText = JSON.stringify(decodedRequest ?? null, (_, v) =>
    typeof v === 'bigint' ? String(v) : v,
  );
  // Numbers that are part of the contract, not of the cluster's state: mechanism names
  // (SCRAM-SHA-512) and the SCRAM iteration bounds would otherwise match a small epoch. And
  // the positions protobufjs reports in a body that does not decode ("index out of range:
  // 512 + 1 > 512", "invalid wire type 7 at offset 512"): offsets in the request itself, which
  // once matched the live epoch 512.
  const fixed =
    /SCRAM-SHA-\d+|\b(4096|16384)\b|index out of range: \d+ \+ \d+ > \d+|invalid wire type \d+ at offset \d+/g;
  const texts = messages.map((m) => m.replace(fixed, ''));
  const leaked: bigint[] = [];
  for (const epoch of liveEpochs) {
    const token = new RegExp(`(^|\\D)${epoch}(\\D|$)`);
    if (token.test(requestText)) continue;
    if (texts.some((m) => token.test(m))) leaked.push(epoch);
  }
  return leaked;
}

function walk(node: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (node === null || typeof node !== 'object' || Buffer.isBuffer(node)) return;
  const record = node as Record<string, unknown>;
  visit(record);
  for (const value of Object.values(record)) walk(value, visit);
}
