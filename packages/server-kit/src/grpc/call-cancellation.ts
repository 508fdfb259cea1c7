import type * as grpc from '@grpc/grpc-js';

/**
 * A signal that aborts when the client cancels the call or its deadline passes, so that a
 * handler's waits (a long-poll, an acks=all wait, a held heartbeat) stop: nobody would read
 * the answer.
 */
export function callCancellation(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const cancelled = new AbortController();
  if (call.cancelled) cancelled.abort();
  else call.on('cancelled', () => cancelled.abort());
  return cancelled.signal;
}
