import type { KafkaStruct, RequestHeader } from '@fjord/kafka-protocol';
import type { KafkaAccess } from './security/kafka-access.js';
import type { KafkaConnectionAuthentication } from './security/kafka-authentication.js';

/** What a handler learns about the request besides its body. */
export interface KafkaRequestContext {
  readonly header: RequestHeader;
  /** Aborted when the client's connection closes or the broker stops. */
  readonly signal: AbortSignal;
  /** What this request's principal may do (checked against the broker's copy of the ACLs). */
  readonly access: KafkaAccess;
  /** The connection's SASL state (SaslHandshake and SaslAuthenticate drive it). */
  readonly authentication: KafkaConnectionAuthentication;
  /** Closes the connection once this request's answer (if any) is sent, as Kafka does after some refusals. */
  closeAfterResponse(reason: string): void;
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
  /**
   * The answer when the handler could not reach the coordinator quorum (no leader answers):
   * Kafka's error for this API in its response shape (COORDINATOR_NOT_AVAILABLE for group
   * APIs, NOT_CONTROLLER for cluster changes...), so that the client retries instead of seeing
   * its connection dropped. APIs without it close the connection.
   */
  unavailable?(request: KafkaStruct, context: KafkaRequestContext, message: string): KafkaStruct;
}

/** Narrowing helpers for decoded bodies (the codec yields untyped structs). */
export const asStructs = (value: unknown): KafkaStruct[] =>
  Array.isArray(value) ? (value as KafkaStruct[]) : [];

/** An int64 from the gRPC core's answer (string, number or Long) as the codec's bigint; absent = -1. */
export const int64 = (value: unknown): bigint => BigInt(String(value ?? -1));
