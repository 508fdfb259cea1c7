import { FjordError, type FjordErrorOptions } from './errors.js';

/** Where a {@link RecordDecodeError} happened. */
export interface UndecodableBatchLocation {
  topic: string;
  partition: number;
  /** The first offset that could not be handed out: the consumer's position stays here. */
  offset: bigint;
  /** The offset after the undecodable batch (seek there to skip all of it); undefined when its header is unreadable. */
  nextOffset: bigint | undefined;
}

/**
 * A fetched record batch could not be decoded (bad record lengths or varints, CRC mismatch,
 * a compressed batch beyond the size cap), like Kafka's RecordDeserializationException for
 * corrupt records. The records before it were handed out; the position stays at `offset`, and
 * polling again without seeking gives this error again, after a backoff. `seek()` to
 * `nextOffset` (or past `offset`) to skip the batch. `cause` is the decoder's error.
 */
export class RecordDecodeError extends FjordError {
  static readonly code = 'RECORD_DECODE_ERROR';
  declare readonly code: typeof RecordDecodeError.code;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly nextOffset: bigint | undefined;

  constructor(message: string, where: UndecodableBatchLocation, options?: FjordErrorOptions) {
    super(message, { code: RecordDecodeError.code, retriable: false }, options);
    this.name = 'RecordDecodeError';
    this.topic = where.topic;
    this.partition = where.partition;
    this.offset = where.offset;
    this.nextOffset = where.nextOffset;
  }
}
