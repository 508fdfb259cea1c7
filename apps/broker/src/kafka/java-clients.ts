import { ApiKey } from '@fjord/kafka-protocol';

/**
 * The oldest version of each API that Kafka 4.0's Java clients still speak: KIP-896 removed
 * the older ones from clients and brokers alike. Taken from the `deprecatedVersions` of Kafka
 * 3.7's message definitions, which mark what 4.0 removes, except Produce: 3.7 marked v0–6,
 * but 4.0 removed only v0–2 ("version 3 is the new baseline", ProduceRequest.json of 4.0).
 * APIs absent here kept every version. Java 3.x clients speak every version from 0, so any
 * served range suits them; they, like 4.x, use the highest version both sides have.
 */
export const JAVA_4_OLDEST_VERSION: ReadonlyMap<number, number> = new Map([
  [ApiKey.Produce, 3],
  [ApiKey.Fetch, 4],
  [ApiKey.ListOffsets, 1],
  [ApiKey.Metadata, 4],
  [ApiKey.OffsetCommit, 2],
  [ApiKey.OffsetFetch, 1],
  [ApiKey.FindCoordinator, 1],
  [ApiKey.JoinGroup, 2],
  [ApiKey.CreateTopics, 2],
  [ApiKey.DeleteTopics, 1],
  [ApiKey.DescribeConfigs, 1],
  [ApiKey.SaslHandshake, 1],
  [ApiKey.DescribeAcls, 1],
  [ApiKey.CreateAcls, 1],
  [ApiKey.DeleteAcls, 1],
]);

/**
 * What the Java clients (3.x, 4.x) use that the listener does not serve, and what a Java user
 * sees for it. Kept beside the served APIs so that docs/KAFKA-COMPATIBILITY.md lists it.
 */
export const JAVA_CLIENT_GAPS: readonly string[] = [
  'OffsetForLeaderEpoch (23) is not served. The Java consumer then skips its position check after a leader change (KIP-320), as it does against any broker without it: a consumer does not notice a log truncated under it.',
  'ListOffsets v7+ is not served: `Admin.listOffsets` with `OffsetSpec.maxTimestamp()` (v7), `earliestLocal()` (v8) or `latestTiered()` (v9) fails with UnsupportedVersionException; earliest, latest and by-timestamp work.',
  'ConsumerGroupDescribe v1 (member types, Java 4.0) is not served; the Java admin uses v0.',
  'Transactions are not served (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit; FindCoordinator for transactions answers COORDINATOR_NOT_AVAILABLE): a producer with `transactional.id` cannot start. Idempotent producers (the Java default since 3.0) work.',
  'Admin APIs not served: CreatePartitions, DeleteRecords, DeleteGroups, OffsetDelete, AlterConfigs, IncrementalAlterConfigs, ElectLeaders, DescribeLogDirs, DescribeProducers, DescribeTransactions, ListTransactions and the quota APIs; each fails in the Java admin with UnsupportedVersionException. `Admin.describeTopics` uses Metadata, as it does without DescribeTopicPartitions (75).',
  'SASL mechanisms other than SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN (GSSAPI, OAUTHBEARER) are not offered: a Java client configured with one fails its handshake with UNSUPPORTED_SASL_MECHANISM.',
  'GetTelemetrySubscriptions and PushTelemetry (KIP-714) are not served: Java 3.7+ clients then send no client metrics, without an error.',
];
