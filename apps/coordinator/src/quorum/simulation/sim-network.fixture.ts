import type { RaftMessage } from '../raft-messages.js';
import type { RaftTransport } from '../raft-transport.js';
import type { EventQueue } from './event-queue.fixture.js';
import type { ProcessPauses } from './process-pauses.fixture.js';
import type { SeededRandom } from './seeded-random.fixture.js';

/** How badly the simulated network behaves right now. */
export interface NetworkConditions {
  dropRate: number;
  duplicateRate: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Share of messages held up to `slowDelayMs` (this is what reorders them most). */
  slowRate: number;
  slowDelayMs: number;
}

/**
 * The simulated network between voters: every message is copied through JSON (as the wire
 * would), then dropped, duplicated or delivered after a random delay, so messages reorder.
 * Links can be cut one direction at a time, which gives partitions of any shape, asymmetric
 * ones included; a cut also loses messages already in flight on it.
 */
export class SimNetwork<C> {
  private handlers = new Map<number, (message: RaftMessage<C>) => void>();
  /** Cuts per directed link `from>to`; faults can overlap, so they count. */
  private cuts = new Map<string, number>();
  conditions: NetworkConditions;
  /** Called for every message a node sends, before any fault (the checker looks at them). */
  onSend: (message: RaftMessage<C>) => void = () => undefined;
  sent = 0;
  delivered = 0;

  constructor(
    private readonly queue: EventQueue,
    private readonly random: SeededRandom,
    initial: NetworkConditions,
    private readonly pauses: ProcessPauses,
  ) {
    this.conditions = { ...initial };
  }

  /** The transport of one incarnation of `node`; `isAlive` turns false when it crashes. */
  transportFor(node: number, isAlive: () => boolean): RaftTransport<C> {
    return {
      send: (message) => {
        if (!isAlive()) return;
        this.sent++;
        this.onSend(message);
        this.route(message);
      },
      listen: (handler) => {
        this.handlers.set(node, handler);
      },
    };
  }

  /** The node crashed: nothing is delivered to it until a new incarnation listens. */
  disconnect(node: number): void {
    this.handlers.delete(node);
  }

  cut(from: number, to: number): void {
    const key = `${from}>${to}`;
    this.cuts.set(key, (this.cuts.get(key) ?? 0) + 1);
  }

  restore(from: number, to: number): void {
    const key = `${from}>${to}`;
    const count = (this.cuts.get(key) ?? 0) - 1;
    if (count <= 0) this.cuts.delete(key);
    else this.cuts.set(key, count);
  }

  healAll(): void {
    this.cuts.clear();
  }

  isCut(from: number, to: number): boolean {
    return this.cuts.has(`${from}>${to}`);
  }

  private route(message: RaftMessage<C>): void {
    const c = this.conditions;
    if (this.isCut(message.from, message.to) || this.random.chance(c.dropRate)) return;
    const copies = this.random.chance(c.duplicateRate) ? 2 : 1;
    const wire = JSON.stringify(message);
    for (let i = 0; i < copies; i++) {
      const delay = this.random.chance(c.slowRate)
        ? this.random.between(c.maxDelayMs, c.slowDelayMs)
        : this.random.between(c.minDelayMs, c.maxDelayMs);
      const label = `deliver ${message.from}>${message.to} ${message.type} t${message.term}`;
      this.queue.after(delay, label, () => {
        if (!this.handlers.has(message.to) || this.isCut(message.from, message.to)) return;
        // A paused receiver's kernel keeps the bytes; the process reads them when it resumes.
        this.pauses.run(message.to, label, () => {
          const handler = this.handlers.get(message.to);
          if (!handler) return;
          this.delivered++;
          handler(JSON.parse(wire) as RaftMessage<C>);
        });
      });
    }
  }
}
