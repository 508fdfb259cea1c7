/** A record handed out by `Consumer.poll()`, the async iterator and `run()`. */
export interface ConsumerRecord<K = Buffer, V = Buffer> {
  topic: string;
  partition: number;
  offset: bigint;
  /** The key (through keyDeserializer if set), null when absent. */
  key: K | null;
  /** The value (through valueDeserializer if set), null when absent. */
  value: V | null;
  /** Headers by name; when a name repeats, the last value wins. */
  headers: { [name: string]: Buffer | null };
  /** Record timestamp, ms since the epoch. */
  timestamp: number;
}
