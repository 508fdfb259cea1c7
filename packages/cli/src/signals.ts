/** An AbortSignal fired by Ctrl-C / SIGTERM, and how to stop listening. */
export interface Interrupt {
  signal: AbortSignal;
  /** Aborts as a signal would (e.g. when stdout is closed). */
  abort(): void;
  dispose(): void;
}

/**
 * Turns the first SIGINT/SIGTERM into an abort so a command can finish cleanly (flush what was
 * read, close the consumer). A second one a moment later exits at once (code 130), for when the
 * clean path hangs, e.g. while the SDK still retries an unreachable broker.
 */
export function interruptOnSignals(forceAfterMs = 1_000): Interrupt {
  const controller = new AbortController();
  let firstAt = 0;
  const onSignal = () => {
    if (!controller.signal.aborted) {
      firstAt = Date.now();
      controller.abort();
    } else if (Date.now() - firstAt >= forceAfterMs) {
      // The same Ctrl-C can arrive twice (terminal and a forwarding parent such as pnpm).
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
