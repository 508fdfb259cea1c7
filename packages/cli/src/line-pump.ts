import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Upper bounds of one batch handed to the sender. */
export interface BatchLimits {
  maxLines: number;
  /** Bytes of line text (UTF-8); a single longer line still makes a batch of its own. */
  maxBytes: number;
}

/** Batch limits of `fjord produce`: 1000 lines or 64 KiB per send. */
export const PRODUCE_BATCH_LIMITS: BatchLimits = { maxLines: 1000, maxBytes: 64 * 1024 };

/**
 * Reads lines from `input` and calls `send` with batches of them, one send at a time, in
 * order. A batch is whatever arrived while the previous send was in flight (up to `limits`),
 * so lines typed by hand go out at once and piped input goes out in full batches, like
 * Kafka's producer with linger.ms=0. Reading pauses while the queue is full, so memory stays
 * bounded however fast the input is. Resolves at end of input or when `signal` aborts (after
 * sending what was read); rejects with the first send failure.
 */
export async function pumpLines(
  input: Readable,
  limits: BatchLimits,
  send: (lines: string[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  const queue: string[] = [];
  let queuedBytes = 0;
  let ended = false;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const full = () => queue.length >= limits.maxLines || queuedBytes >= limits.maxBytes;

  reader.on('line', (line) => {
    queue.push(line);
    queuedBytes += Buffer.byteLength(line);
    if (!paused && full()) {
      paused = true;
      reader.pause();
    }
    notify();
  });
  reader.on('close', () => {
    ended = true;
    notify();
  });
  const onAbort = () => reader.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) reader.close();

  try {
    for (;;) {
      if (queue.length === 0) {
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const batch = takeBatch(queue, limits);
      queuedBytes -= batch.bytes;
      if (paused && !full()) {
        paused = false;
        reader.resume();
      }
      await send(batch.lines);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.close();
  }
}

/** Removes and returns the longest prefix of `queue` within `limits` (at least one line). */
export function takeBatch(queue: string[], limits: BatchLimits): { lines: string[]; bytes: number } {
  let count = 0;
  let bytes = 0;
  while (count < queue.length && count < limits.maxLines) {
    const size = Buffer.byteLength(queue[count] as string);
    if (count > 0 && bytes + size > limits.maxBytes) break;
    bytes += size;
    count += 1;
  }
  return { lines: queue.splice(0, count), bytes };
}
