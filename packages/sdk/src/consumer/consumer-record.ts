import type { Header } from '@fjord/protocol';

/** A record handed out by `Consumer.poll()`, the async iterator and `run()`. */
export interface ConsumerRecord<K = Buffer, V = Buffer> {
  topic: string;
  partition: number;
  /**
   * The record's offset in its partition. On records the consumer hands out this is an
   * accessor computed on first read (no bigint is made for records whose offset is never
   * read), so `{ ...record }` does not copy it: name it (`{ ...record, offset: record.offset }`).
   */
  readonly offset: bigint;
  /** The key (through keyDeserializer if set), null when absent. */
  key: K | null;
  /** The value (through valueDeserializer if set), null when absent. */
  value: V | null;
  /**
   * Headers by name; when a name repeats, the last value wins. Records without headers all
   * share one frozen empty object ({@link NO_HEADERS}): copy it before adding to it.
   */
  headers: { readonly [name: string]: Buffer | null };
  /** Record timestamp, ms since the epoch. */
  timestamp: number;
}

/** The `headers` of every consumed record that has none: one shared, frozen, empty object. */
export const NO_HEADERS: { readonly [name: string]: Buffer | null } = Object.freeze({});

/**
 * A consumed record as the consumer keeps and hands it out: one object per record, whose
 * offset is kept as its batch's base offset and a small delta until someone reads it, and
 * whose headers object is only made for records that have headers.
 */
export class FetchedRecord<K = Buffer, V = Buffer> implements ConsumerRecord<K, V> {
  readonly topic: string;
  readonly partition: number;
  key: K | null;
  value: V | null;
  headers: { readonly [name: string]: Buffer | null };
  readonly timestamp: number;
  readonly #baseOffset: bigint;
  readonly #offsetDelta: number;
  #offset: bigint | undefined;

  constructor(
    topic: string,
    partition: number,
    baseOffset: bigint,
    offsetDelta: number,
    timestamp: number,
    key: K | null,
    value: V | null,
    headers: readonly Header[],
  ) {
    this.topic = topic;
    this.partition = partition;
    this.#baseOffset = baseOffset;
    this.#offsetDelta = offsetDelta;
    this.#offset = undefined;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
    this.headers = headers.length === 0 ? NO_HEADERS : headersByName(headers);
  }

  get offset(): bigint {
    this.#offset ??= this.#baseOffset + BigInt(this.#offsetDelta);
    return this.#offset;
  }

  /** The offset after this record (the position once it is handed out). */
  nextOffset(): bigint {
    return this.#baseOffset + BigInt(this.#offsetDelta + 1);
  }
}

function headersByName(headers: readonly Header[]): { [name: string]: Buffer | null } {
  const byName: { [name: string]: Buffer | null } = {};
  for (const header of headers) byName[header.key] = header.value;
  return byName;
}
