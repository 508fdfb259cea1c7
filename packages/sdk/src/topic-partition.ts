/** A topic and partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `topic:partition`, the key of per-partition state. */
export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}
