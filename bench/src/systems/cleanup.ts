// One place that knows how to stop everything the harness started, so that a failure or
// Ctrl-C never leaves a redis-server, nats-server or Fjord node running behind it.

type Stopper = () => Promise<void>;

const stoppers = new Set<Stopper>();

/** Registers a stop action; returns the function that unregisters it (after a normal stop). */
export function onCleanup(stop: Stopper): () => void {
  stoppers.add(stop);
  return () => {
    stoppers.delete(stop);
  };
}

/** Runs every registered stop action once, in parallel; never throws. */
export async function cleanupAll(): Promise<void> {
  const pending = [...stoppers];
  stoppers.clear();
  await Promise.allSettled(pending.map((stop) => stop()));
}
