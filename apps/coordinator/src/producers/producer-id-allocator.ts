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

  constructor(
    private readonly store: MetadataStore,
    private readonly blockSize = PRODUCER_ID_BLOCK_SIZE,
  ) {}

  /** The next unused producer id. */
  async allocate(): Promise<bigint> {
    if (this.#next < this.#blockEnd) return this.#next++;
    // Proposals run one at a time, so concurrent callers cannot take the same block; a
    // caller that finds a fresh block after waiting uses it instead of taking another.
    await this.store.propose((proposal) => {
      if (this.#next < this.#blockEnd) return;
      const firstId = BigInt(proposal.state.producerIdsEnd ?? '0');
      proposal.append(
        metadataRecord({ type: 'ProducerIdBlock', firstId: firstId.toString(), size: this.blockSize }),
      );
      proposal.afterCommit(() => {
        this.#next = firstId;
        this.#blockEnd = firstId + BigInt(this.blockSize);
      });
    });
    if (this.#next >= this.#blockEnd) return this.allocate();
    return this.#next++;
  }
}
