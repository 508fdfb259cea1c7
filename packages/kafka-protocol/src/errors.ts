/**
 * The codec's only error: a frame or message that does not parse (truncated, a length or
 * count beyond the remaining bytes or a cap, a null where none is allowed). `path` names the
 * field, e.g. `FetchRequest.topics[0].partitions`.
 */
export class KafkaProtocolError extends Error {
  override readonly name = 'KafkaProtocolError';
}
