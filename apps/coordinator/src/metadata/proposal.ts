import { apply } from './apply.js';
import type { MetadataRecord } from './records.js';
import type { MetadataState } from './state.js';

/**
 * A batch of records being planned against the current state. Each appended record is
 * applied to `state` at once, so later decisions in the same batch see earlier ones (a topic
 * created earlier in a request exists for the next one). Nothing is stored until the
 * MetadataStore commits the batch.
 */
export class Proposal {
  readonly records: MetadataRecord[] = [];
  private readonly commitHooks: Array<() => void> = [];

  constructor(
    private planned: MetadataState,
    private next: number,
  ) {}

  /** The state with every record appended so far applied. */
  get state(): MetadataState {
    return this.planned;
  }

  /** The offset the next appended record will get. */
  get nextOffset(): number {
    return this.next;
  }

  /** Adds a record to the batch and returns the offset it will get. */
  append(record: MetadataRecord): number {
    this.planned = apply(this.planned, record);
    this.records.push(record);
    return this.next++;
  }

  /**
   * Runs `hook` right after the batch is durably stored, in proposal order, before this or any
   * later proposal resolves (later proposals may already be planned: group commit).
   */
  afterCommit(hook: () => void): void {
    this.commitHooks.push(hook);
  }

  /** @internal Called by the store once the batch is stored. */
  runCommitHooks(): void {
    for (const hook of this.commitHooks) hook();
  }
}
