import type { RaftEntry, RaftSnapshot } from '../raft-messages.js';
import type { PersistedRaftState, RaftStorage } from '../raft-storage.js';
import type { EventQueue } from './event-queue.fixture.js';
import type { ProcessPauses } from './process-pauses.fixture.js';
import type { SeededRandom } from './seeded-random.fixture.js';

type Operation<C> =
  | { type: 'termAndVote'; term: number; votedFor: number | null }
  | { type: 'append'; entries: RaftEntry<C>[] }
  | { type: 'truncateFrom'; index: number }
  | { type: 'snapshot'; snapshot: RaftSnapshot };

interface Batch<C> {
  operations: Operation<C>[];
  done: boolean;
}

/**
 * A simulated disk that outlives the node processes using it. Writes land in a batch; a sync
 * makes the batch durable after a random fsync latency (now and then a long stall). A crash
 * keeps a random prefix of the batches whose sync was requested but had not called back (the
 * OS may have written them or not) and loses everything else that was not synced, as LevelDB
 * does on power loss.
 */
export class SimDisk<C> {
  private durable: PersistedRaftState<C> = { term: 0, votedFor: null, snapshot: null, entries: [] };
  private inFlight: Batch<C>[] = [];
  private incarnation = 0;
  private lastCompletion = 0;
  /** Number of fsyncs completed (for the report). */
  syncs = 0;

  constructor(
    private readonly queue: EventQueue,
    private readonly random: SeededRandom,
    private readonly node: number,
    private readonly maxFsyncMs: number,
    private readonly pauses: ProcessPauses,
  ) {}

  /** What a starting node reads: a copy of the durable state. */
  read(): PersistedRaftState<C> {
    return JSON.parse(JSON.stringify(this.durable)) as PersistedRaftState<C>;
  }

  /** Storage for a new incarnation of the node (the previous one must have crashed). */
  open(): RaftStorage<C> {
    const incarnation = ++this.incarnation;
    let current: Operation<C>[] = [];
    return {
      saveTermAndVote: (term, votedFor) => {
        current.push({ type: 'termAndVote', term, votedFor });
      },
      append: (entries) => {
        current.push({ type: 'append', entries: [...entries] });
      },
      truncateFrom: (index) => {
        current.push({ type: 'truncateFrom', index });
      },
      saveSnapshot: (snapshot) => {
        current.push({ type: 'snapshot', snapshot });
      },
      sync: (callback) => {
        const batch: Batch<C> = { operations: current, done: false };
        current = [];
        this.inFlight.push(batch);
        // fsyncs complete in order: a later one never overtakes an earlier one.
        // Now and then an fsync stalls (a busy disk), widening the window a crash can hit.
        const latency = this.random.chance(0.05)
          ? this.random.between(this.maxFsyncMs, 60 * this.maxFsyncMs)
          : this.random.between(0, this.maxFsyncMs);
        const at = Math.max(this.lastCompletion, this.queue.now + latency);
        this.lastCompletion = at;
        this.queue.at(at, `n${this.node} fsync`, () => {
          if (incarnation !== this.incarnation || batch.done) return;
          this.complete(batch);
          // The data is on disk now; the process hears of it when it runs again.
          this.pauses.run(this.node, `n${this.node} fsync callback`, () => {
            if (incarnation === this.incarnation) callback();
          });
        });
      },
    };
  }

  /** The node crashed: unsynced writes are lost, in-flight batches survive as a random prefix. */
  crash(): void {
    this.incarnation++;
    const survivors = this.random.int(this.inFlight.length + 1);
    for (const batch of this.inFlight.slice(0, survivors)) this.complete(batch);
    this.inFlight = [];
  }

  private complete(batch: Batch<C>): void {
    const index = this.inFlight.indexOf(batch);
    if (index !== 0) throw new Error(`simulated disk of node ${this.node}: batch completed out of order`);
    this.inFlight.shift();
    batch.done = true;
    this.syncs++;
    for (const operation of batch.operations) this.applyOperation(operation);
  }

  private applyOperation(operation: Operation<C>): void {
    const d = this.durable;
    const base = d.snapshot?.index ?? 0;
    switch (operation.type) {
      case 'termAndVote':
        d.term = operation.term;
        d.votedFor = operation.votedFor;
        break;
      case 'append':
        for (const entry of operation.entries) {
          if (entry.index !== base + d.entries.length + 1) {
            throw new Error(
              `simulated disk of node ${this.node}: append of ${entry.index} after ${base + d.entries.length}`,
            );
          }
          d.entries.push(entry);
        }
        break;
      case 'truncateFrom':
        d.entries.length = Math.max(0, Math.min(d.entries.length, operation.index - base - 1));
        break;
      case 'snapshot': {
        const index = operation.snapshot.index;
        d.entries = d.entries.filter((e) => e.index > index);
        if (d.entries.length > 0 && (d.entries[0] as RaftEntry<C>).index !== index + 1) d.entries = [];
        d.snapshot = operation.snapshot;
        break;
      }
    }
  }
}
