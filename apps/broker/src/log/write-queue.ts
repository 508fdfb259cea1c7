/** One put or delete in a LevelDB batch. */
export type WriteOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

/**
 * Callbacks of one queued write. They run synchronously, in queue order, right after the
 * storage write finished, so in-memory state (log end offsets) moves in the same order as
 * the data on disk, before any other request can observe it.
 */
export interface WriteHooks {
  onCommit?: () => void;
  onFail?: (error: Error) => void;
}

type Entry =
  | { kind: 'ops'; ops: WriteOp[]; hooks: WriteHooks; resolve: () => void; reject: (e: Error) => void }
  | { kind: 'task'; run: () => Promise<void>; resolve: () => void; reject: (e: Error) => void };

/**
 * A single serialized write queue with group commit: while one storage write is in flight,
 * later writes wait; when it finishes, every waiting write is merged into ONE batch. Writes
 * therefore complete in the order they were queued (= offset order), and under load many
 * produce requests share one LevelDB write.
 *
 * When a batch write fails, every write queued behind it fails too: they were given offsets after
 * the failed ones, and writing them would leave a hole in the log.
 */
export class WriteQueue {
  private readonly pending: Entry[] = [];
  private running = false;
  private idleWaiters: Array<() => void> = [];

  /** `writeBatch` performs one atomic storage write of all `ops`. */
  constructor(private readonly writeBatch: (ops: WriteOp[]) => Promise<void>) {}

  /** Queues `ops` for one atomic write (possibly merged with others); resolves when written. */
  write(ops: WriteOp[], hooks: WriteHooks = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ kind: 'ops', ops, hooks, resolve, reject });
      this.kick();
    });
  }

  /** Runs `run` (e.g. a range delete) exclusively, in queue order, never merged with other writes. */
  runExclusive(run: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ kind: 'task', run, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (!this.running && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    if (this.running) return;
    const first = this.pending[0];
    if (!first) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
      return;
    }
    this.running = true;
    if (first.kind === 'task') {
      this.pending.shift();
      first.run().then(
        () => this.finish([first]),
        (error: unknown) => {
          // A failed task assigned no offsets, so the writes behind it stay valid.
          first.reject(toError(error));
          this.running = false;
          this.kick();
        },
      );
      return;
    }
    const group: Array<Extract<Entry, { kind: 'ops' }>> = [];
    while (this.pending[0]?.kind === 'ops')
      group.push(this.pending.shift() as Extract<Entry, { kind: 'ops' }>);
    const ops = group.length === 1 ? group[0]!.ops : group.flatMap((entry) => entry.ops);
    this.writeBatch(ops).then(
      () => this.finish(group),
      (error: unknown) => this.fail(group, toError(error)),
    );
  }

  private finish(group: Entry[]): void {
    for (const entry of group) {
      if (entry.kind === 'ops') entry.hooks.onCommit?.();
      entry.resolve();
    }
    this.running = false;
    this.kick();
  }

  private fail(group: Entry[], error: Error): void {
    const failed = [...group, ...this.pending.splice(0)];
    for (const entry of failed) {
      if (entry.kind === 'ops') entry.hooks.onFail?.(error);
      entry.reject(error);
    }
    this.running = false;
    this.kick();
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
