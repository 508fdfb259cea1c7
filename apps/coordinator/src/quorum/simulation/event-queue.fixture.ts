import type { Timer, TimerClock } from '../timer-clock.js';
import type { ProcessPauses } from './process-pauses.fixture.js';

interface ScheduledEvent {
  at: number;
  seq: number;
  label: string;
  run: () => void;
  cancelled: boolean;
}

/**
 * The simulation's only source of time and order: a queue of events by (time, insertion
 * order). Running one event at a time, synchronously, makes a run a pure function of its
 * seed. Every event's label is folded into {@link traceHash}, so two runs of one seed can be
 * compared byte for byte; with `keepTrace` the labels are also kept.
 */
export class EventQueue {
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  private time = 0;
  private hash = 0x811c9dc5;
  private executed = 0;
  readonly trace: string[] | null;

  constructor(keepTrace = false) {
    this.trace = keepTrace ? [] : null;
  }

  get now(): number {
    return this.time;
  }

  get eventsRun(): number {
    return this.executed;
  }

  /** FNV-1a over every executed event's time and label. */
  get traceHash(): string {
    return (this.hash >>> 0).toString(16).padStart(8, '0');
  }

  /** Schedules `run` at absolute simulated time `at` (not before now). */
  at(at: number, label: string, run: () => void): Timer {
    const event: ScheduledEvent = {
      at: Math.max(at, this.time),
      seq: this.seq++,
      label,
      run,
      cancelled: false,
    };
    this.push(event);
    return {
      cancel: () => {
        event.cancelled = true;
      },
    };
  }

  after(delayMs: number, label: string, run: () => void): Timer {
    return this.at(this.time + delayMs, label, run);
  }

  /** Runs events in order until the next one is later than `until` (time then stands at `until`). */
  runUntil(until: number, afterEach: () => void): void {
    for (;;) {
      const next = this.heap[0];
      if (!next || next.at > until) break;
      this.pop();
      if (next.cancelled) continue;
      this.time = next.at;
      this.executed++;
      this.record(`${next.at} ${next.label}`);
      next.run();
      afterEach();
    }
    this.time = until;
  }

  private record(line: string): void {
    this.trace?.push(line);
    let h = this.hash;
    for (let i = 0; i < line.length; i++) {
      h ^= line.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.hash = h ^ 0x0a;
  }

  private less(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i] as ScheduledEvent, heap[parent] as ScheduledEvent)) break;
      [heap[i], heap[parent]] = [heap[parent] as ScheduledEvent, heap[i] as ScheduledEvent];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as ScheduledEvent;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.less(heap[left] as ScheduledEvent, heap[smallest] as ScheduledEvent))
        smallest = left;
      if (right < heap.length && this.less(heap[right] as ScheduledEvent, heap[smallest] as ScheduledEvent))
        smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as ScheduledEvent, heap[i] as ScheduledEvent];
      i = smallest;
    }
  }
}

/**
 * One node's view of simulated time, running at its own rate (clocks on different machines
 * drift) and losing every timer when the node crashes.
 */
export class NodeClock implements TimerClock {
  private timers = new Set<Timer>();
  private dead = false;

  constructor(
    private readonly queue: EventQueue,
    private readonly node: number,
    /** Local milliseconds per simulated millisecond. */
    private readonly rate: number,
    private readonly pauses: ProcessPauses,
  ) {}

  nowMs(): number {
    return this.queue.now * this.rate;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    if (this.dead) return { cancel: () => undefined };
    const delay = Math.ceil(delayMs / this.rate);
    const timer: Timer = this.queue.after(delay, `n${this.node} timer`, () => {
      this.timers.delete(timer);
      this.pauses.run(this.node, `n${this.node} timer`, () => {
        if (!this.dead) callback();
      });
    });
    this.timers.add(timer);
    return {
      cancel: () => {
        timer.cancel();
        this.timers.delete(timer);
      },
    };
  }

  /** The node crashed: none of its timers fires. */
  kill(): void {
    this.dead = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }
}
