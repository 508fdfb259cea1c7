import type { KafkaStruct, RequestHeader } from '@fjord/kafka-protocol';

/** What a handler learns about the request besides its body. */
export interface KafkaRequestContext {
  readonly header: RequestHeader;
  /** Aborted when the client's connection closes or the broker stops. */
  readonly signal: AbortSignal;
}

/**
 * One Kafka API served by the listener: the versions advertised in ApiVersions (each only
 * where every field of it is implemented) and the handler. Returning null sends no response
 * (Produce with acks=0, as Kafka does).
 */
export interface KafkaApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** What a Kafka user should know about how Fjord serves it (docs/KAFKA-COMPATIBILITY.md). */
  readonly notes: string;
  handle(request: KafkaStruct, context: KafkaRequestContext): Promise<KafkaStruct | null>;
}

/** Narrowing helpers for decoded bodies (the codec yields untyped structs). */
export const asStructs = (value: unknown): KafkaStruct[] =>
  Array.isArray(value) ? (value as KafkaStruct[]) : [];

/** An int64 from the gRPC core's answer (string, number or Long) as the codec's bigint; absent = -1. */
export const int64 = (value: unknown): bigint => BigInt(String(value ?? -1));
