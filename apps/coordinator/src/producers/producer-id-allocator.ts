import type { MetadataStore } from '../metadata/metadata-store.js';
import { metadataRecord } from '../metadata/records.js';

/** Ids taken per ProducerIdBlock record: one metadata-log write per this many producers. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/**
 * Hands out producer ids (Kafka's ProducerIdManager). Ids come from blocks recorded in the
 * metadata log before any id of the block is given out, so an id is never given twice:
 * after a restart the unused rest of the last block is skipped and a new block is taken.
 */
export class ProducerIdAllocator {
  #next = 0n;
  #blockEnd = 0n;
  #refill: Promise<void> | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly blockSize = PRODUCER_ID_BLOCK_SIZE,
  ) {}

  /**
   * Forgets the rest of the current block (this coordinator stopped leading). The next leader
   * takes a new block through the log, above every recorded one, so no id is given twice; the
   * unused rest of this block is skipped, as after a restart.
   */
  reset(): void {
    this.#next = 0n;
    this.#blockEnd = 0n;
  }

  /** The next unused producer id. */
  async allocate(): Promise<bigint> {
    while (this.#next >= this.#blockEnd) {
      // One block at a time: callers arriving while it is being recorded share it (proposals
      // are planned before earlier ones are stored, so each would otherwise take its own).
      this.#refill ??= this.takeBlock().finally(() => {
        this.#refill = undefined;
      });
      await this.#refill;
    }
    return this.#next++;
  }

  private async takeBlock(): Promise<void> {
    await this.store.propose((proposal) => {
      const firstId = BigInt(proposal.state.producerIdsEnd ?? '0');
      proposal.append(
        metadataRecord({ type: 'ProducerIdBlock', firstId: firstId.toString(), size: this.blockSize }),
      );
      proposal.afterCommit(() => {
        this.#next = firstId;
        this.#blockEnd = firstId + BigInt(this.blockSize);
      });
    });
  }
}
