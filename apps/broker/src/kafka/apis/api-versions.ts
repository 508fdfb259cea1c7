import { ApiKey } from '@fjord/kafka-protocol';
import type { KafkaApi } from '../api.js';

/**
 * ApiVersions v0–4: the advertised range of every API the listener serves. A request newer
 * than v4 is answered by the connection (a v0 response with UNSUPPORTED_VERSION and the
 * ApiVersions range, as Kafka does), so that the client retries with a version it shares.
 * No features are listed (Fjord finalizes none), so v4's change (features with min 0) is moot.
 */
export function apiVersionsApi(all: () => readonly KafkaApi[]): KafkaApi {
  return {
    apiKey: ApiKey.ApiVersions,
    minVersion: 0,
    maxVersion: 4,
    notes:
      'v3+ flexible; a newer version is answered with a v0 UNSUPPORTED_VERSION response listing the ApiVersions range, as Kafka does.',
    async handle() {
      return { errorCode: 0, apiKeys: apiKeyRanges(all()), throttleTimeMs: 0 };
    },
  };
}

/** The ApiKeys field: every served API with its range, by key. */
export function apiKeyRanges(apis: readonly KafkaApi[]) {
  return [...apis]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((api) => ({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion }));
}
