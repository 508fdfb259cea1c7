import type { PartitionLog } from '../log/partition-log.js';

/**
 * Waits until one of `logs` commits an append, `timeoutMs` passes or `signal` aborts,
 * whichever comes first. Every listener and the timer are removed when it resolves, so a
 * long-polling fetch leaves nothing behind. Never rejects.
 */
export function waitForAppend(
  logs: readonly PartitionLog[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted || timeoutMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const removers: Array<() => void> = [];
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      for (const remove of removers) remove();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    signal.addEventListener('abort', done, { once: true });
    for (const log of logs) removers.push(log.onAppend(done));
  });
}
