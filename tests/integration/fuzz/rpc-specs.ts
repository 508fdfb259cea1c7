import type fc from 'fast-check';
import { type FieldOverrides, type FieldValue, integerNear, stringNear } from './proto-shapes.js';
import { recordBytes } from './record-batches.js';

/** What the generators steer towards: the names and ids the cluster under fuzz has. */
export interface FuzzWorld {
  /** The topic Produce aims at; no coordinator RPC generator names it (the ledger check needs it intact). */
  produceTopic: string;
  /** Topics every other RPC may name, create, alter or delete. */
  topics: readonly string[];
  topicIds: readonly string[];
  groups: readonly string[];
  memberIds: readonly string[];
  /** Broker ids that exist (the real ones, and the fuzzer's registered one). */
  brokerIds: readonly number[];
  /**
   * Broker epochs to send: the credential of the broker-only RPCs. The neighbours of the real
   * brokers' epochs (a client cannot know them, so a fuzzed ControlledShutdown must not
   * succeed for a real broker), and the exact epoch of the fuzzer's own registration.
   */
  brokerEpochs: readonly bigint[];
  /** acks=all wait bound the brokers run with (--max-ack-wait-ms). */
  maxAckWaitMs: number;
  /** The coordinator's group heartbeat interval, which caps a held ConsumerGroupHeartbeat. */
  groupHeartbeatIntervalMs: number;
}

/** How one RPC is fuzzed. */
export interface RpcFuzzSpec {
  /**
   * The longest the contract lets the server hold this request before answering (its
   * long-poll), given the request as the server decodes it; absent = answered at once.
   */
  holdMs?: (request: Record<string, unknown>) => number;
  /**
   * True when the contract has the server answer nothing to this one message of a stream
   * (FetchStream's wake_only): the call then ends OK with no message, which a unary-style
   * client reports as "No message received".
   */
  unanswered?: (request: Record<string, unknown>) => boolean;
}

/** The request field values the generators steer towards, keyed `Message.field`. */
export function fieldOverrides(world: FuzzWorld): FieldOverrides {
  const topic = stringNear(...world.topics);
  const readTopic = stringNear(world.produceTopic, ...world.topics);
  const group = stringNear(...world.groups);
  const member = stringNear('', ...world.memberIds);
  const partition = integerNear(0n, 1n, 2n);
  const brokerId = integerNear(...world.brokerIds.map(BigInt));
  const epochs = world.brokerEpochs;
  const configName = stringNear(
    'retention.ms',
    'retention.bytes',
    'max.message.bytes',
    'min.insync.replicas',
    'cleanup.policy',
    'message.timestamp.type',
    'segment.bytes',
    'no.such.config',
  );
  const configValue = stringNear(
    '1',
    '0',
    '-1',
    '-2',
    '1000',
    '1048576',
    'delete',
    'LogAppendTime',
    '1e3',
    '99999999999999999999',
  );
  const records: fc.Arbitrary<FieldValue> = recordBytes.map((value) => ({ kind: 'bytes', value }));
  return {
    'ProduceRequest.acks': integerNear(-1n, 0n, 1n),
    'ProduceRequest.timeoutMs': integerNear(0n, 1n, 500n, BigInt(world.maxAckWaitMs) * 10n),
    'ProduceTopic.topic': stringNear(world.produceTopic),
    'ProducePartition.partition': integerNear(0n, 1n),
    'ProducePartition.records': records,
    'FetchRequest.replicaId': integerNear(-1n, ...world.brokerIds.map(BigInt)),
    'FetchRequest.maxWaitMs': integerNear(0n, 10n, 300n),
    'FetchRequest.minBytes': integerNear(0n, 1n, 1_000_000n),
    'FetchRequest.maxBytes': integerNear(0n, 1n, 1_048_576n),
    'FetchTopic.topic': readTopic,
    'FetchPartition.partition': partition,
    'FetchPartition.fetchOffset': integerNear(0n, 1n, 5n),
    'FetchPartition.partitionMaxBytes': integerNear(0n, 1n, 65_536n),
    'FetchPartition.currentLeaderEpoch': integerNear(-1n, 0n, 1n),
    'ListOffsetsTopic.topic': readTopic,
    'ListOffsetsPartition.partition': partition,
    'ListOffsetsPartition.timestamp': integerNear(-1n, -2n, -3n, BigInt(Date.now())),
    'OffsetForLeaderEpochRequest.replicaId': integerNear(-1n, ...world.brokerIds.map(BigInt)),
    'OffsetForLeaderEpochTopic.topic': readTopic,
    'OffsetForLeaderEpochPartition.partition': partition,
    'OffsetForLeaderEpochPartition.leaderEpoch': integerNear(-1n, 0n, 1n),
    'OffsetForLeaderEpochPartition.currentLeaderEpoch': integerNear(-1n, 0n, 1n),
    'RegisterBrokerRequest.brokerId': integerNear(...world.brokerIds.map(BigInt), 100n),
    'RegisterBrokerRequest.host': stringNear('127.0.0.1', 'localhost'),
    'RegisterBrokerRequest.port': integerNear(1n, 9092n, 65_535n, 65_536n),
    'RegisterBrokerRequest.kafkaPort': integerNear(0n, 9092n, 70_000n),
    'BrokerHeartbeatRequest.brokerId': brokerId,
    'BrokerHeartbeatRequest.brokerEpoch': integerNear(...epochs),
    'BrokerHeartbeatRequest.knownMetadataVersion': integerNear(-1n, 0n, 1n),
    'AlterPartitionRequest.brokerId': brokerId,
    'AlterPartitionRequest.brokerEpoch': integerNear(...epochs),
    'AlterPartitionItem.topicId': stringNear(...world.topicIds),
    'AlterPartitionItem.partition': partition,
    'AlterPartitionItem.leaderEpoch': integerNear(0n, 1n),
    'AlterPartitionItem.partitionEpoch': integerNear(0n, 1n),
    'AlterPartitionItem.newIsr': brokerId,
    'ControlledShutdownRequest.brokerId': brokerId,
    'ControlledShutdownRequest.brokerEpoch': integerNear(...epochs),
    'GetMetadataRequest.topics': readTopic,
    'DescribeTopicsRequest.topics': readTopic,
    'CreatableTopic.name': stringNear(
      ...world.topics,
      'fuzz-new-1',
      'fuzz-new-2',
      'bad/name',
      'a'.repeat(250),
    ),
    'CreatableTopic.partitions': integerNear(1n, 2n, 0n, 10_000n, 10_001n),
    'CreatableTopic.replicationFactor': integerNear(0n, 1n, 2n, 3n),
    'Configs.key': configName,
    'Configs.value': configValue,
    'DeleteTopicsRequest.topics': stringNear(...world.topics, 'fuzz-new-1'),
    'TopicConfigChanges.topic': topic,
    'ConfigChange.name': configName,
    'ConfigChange.value': configValue,
    'ElectLeadersTopic.topic': readTopic,
    'ElectLeadersTopic.partitions': partition,
    'ConsumerGroupHeartbeatRequest.groupId': group,
    'ConsumerGroupHeartbeatRequest.memberId': member,
    'ConsumerGroupHeartbeatRequest.memberEpoch': integerNear(0n, -1n, -2n, 1n, 2n),
    'ConsumerGroupHeartbeatRequest.instanceId': stringNear('', 'fuzz-instance'),
    'ConsumerGroupHeartbeatRequest.rebalanceTimeoutMs': integerNear(0n, 1_000n),
    'ConsumerGroupHeartbeatRequest.sessionTimeoutMs': integerNear(0n, 6_000n),
    'ConsumerGroupHeartbeatRequest.subscribedTopicNames': topic,
    'ConsumerGroupHeartbeatRequest.subscribedTopicRegex': stringNear(
      '',
      'fuzz-.*',
      '^(a+)+$',
      '[',
      '(?=x)',
      '(a)\\1',
      'a{1000000}',
    ),
    'ConsumerGroupHeartbeatRequest.serverAssignor': stringNear('', 'uniform', 'range', 'bogus'),
    'ConsumerGroupHeartbeatRequest.maxWaitMs': integerNear(0n, 50n, 300n),
    'TopicPartitions.topic': topic,
    'TopicPartitions.partitions': partition,
    'OffsetCommitRequest.groupId': group,
    'OffsetCommitRequest.memberId': member,
    'OffsetCommitRequest.memberEpoch': integerNear(0n, 1n, -1n),
    'OffsetCommitTopic.topic': topic,
    'OffsetCommitPartition.partition': partition,
    'OffsetCommitPartition.offset': integerNear(0n, 1n, -1n),
    'OffsetFetchRequest.groupId': group,
    'OffsetFetchRequest.memberId': member,
    'DescribeGroupRequest.groupId': group,
    'ResetGroupOffsetsRequest.groupId': group,
    'DeleteGroupRequest.groupId': group,
    'JoinGroupRequest.groupId': group,
    'JoinGroupRequest.sessionTimeoutMs': integerNear(6_000n, 0n, 10_000n),
    'JoinGroupRequest.rebalanceTimeoutMs': integerNear(0n, 100n, 1_000n),
    'JoinGroupRequest.memberId': member,
    'JoinGroupRequest.protocolType': stringNear('consumer', ''),
    'ClassicProtocol.name': stringNear('range', 'roundrobin', 'cooperative-sticky'),
    'SyncGroupRequest.groupId': group,
    'SyncGroupRequest.memberId': member,
    'SyncGroupRequest.generationId': integerNear(0n, 1n, -1n),
    'ClassicAssignment.memberId': member,
    'HeartbeatRequest.groupId': group,
    'HeartbeatRequest.memberId': member,
    'HeartbeatRequest.generationId': integerNear(0n, 1n, -1n),
    'LeaveGroupRequest.groupId': group,
    'LeavingMember.memberId': member,
    'ClassicOffsetCommitRequest.groupId': group,
    'ClassicOffsetCommitRequest.generationId': integerNear(-1n, 0n, 1n),
    'ClassicOffsetCommitRequest.memberId': member,
  };
}

const num = (value: unknown): number => Number(value ?? 0);

/**
 * Every RPC of every service the cluster serves, by `Service/Method`. The test derives the
 * list of RPCs from the loaded service definitions and fails for one missing here: a new RPC
 * is not left unfuzzed.
 */
export function rpcSpecs(world: FuzzWorld): Readonly<Record<string, RpcFuzzSpec>> {
  return {
    'BrokerService/Produce': {
      // Answered after the write; with acks=-1 after the ISR wait (100 ms of slack for the write).
      holdMs: (r) => (num(r.acks) === -1 ? world.maxAckWaitMs : 0) + 100,
    },
    'BrokerService/Fetch': { holdMs: (r) => Math.min(Math.max(num(r.maxWaitMs), 0), 30_000) },
    // One session request, then the end of the stream: one round, long-polled as Fetch.
    'BrokerService/FetchStream': {
      holdMs: (r) => Math.min(Math.max(num(r.maxWaitMs), 0), 30_000),
      unanswered: (r) => r.wakeOnly === true,
    },
    'BrokerService/ListOffsets': {},
    'BrokerService/OffsetForLeaderEpoch': {},
    'CoordinatorService/RegisterBroker': {},
    'CoordinatorService/BrokerHeartbeat': {},
    'CoordinatorService/GetMetadata': {},
    'CoordinatorService/CreateTopics': {},
    'CoordinatorService/DeleteTopics': {},
    'CoordinatorService/ListTopics': {},
    'CoordinatorService/DescribeTopics': {},
    'CoordinatorService/AlterTopicConfigs': {},
    'CoordinatorService/DescribeCluster': {},
    'CoordinatorService/AlterPartition': {},
    'CoordinatorService/ControlledShutdown': {},
    'CoordinatorService/ElectLeaders': {},
    'CoordinatorService/DescribeQuorum': {},
    'GroupCoordinatorService/ConsumerGroupHeartbeat': {
      holdMs: (r) => (num(r.maxWaitMs) > 0 ? Math.min(num(r.maxWaitMs), world.groupHeartbeatIntervalMs) : 0),
    },
    'GroupCoordinatorService/OffsetCommit': {},
    'GroupCoordinatorService/OffsetFetch': {},
    'GroupCoordinatorService/ListGroups': {},
    'GroupCoordinatorService/DescribeGroup': {},
    'GroupCoordinatorService/ResetGroupOffsets': {},
    'GroupCoordinatorService/DeleteGroup': {},
    // A join waits for the group's other members up to the rebalance timeout; a follower's
    // SyncGroup waits for the leader's assignment, and a classic heartbeat is answered at once.
    'GroupCoordinatorService/JoinGroup': { holdMs: (r) => Math.max(num(r.rebalanceTimeoutMs), 0) + 3_000 },
    'GroupCoordinatorService/SyncGroup': { holdMs: (r) => Math.max(num(r.sessionTimeoutMs), 60_000) },
    'GroupCoordinatorService/Heartbeat': {},
    'GroupCoordinatorService/LeaveGroup': {},
    'GroupCoordinatorService/ClassicOffsetCommit': {},
    'ProducerIdService/InitProducerId': {},
    // Raft between coordinators: the cluster's lone coordinator has no peers and ignores it.
    'QuorumService/Deliver': {},
    // A SASL login on a stream; the fuzzer sends one message and closes its side. On the
    // cluster's PLAINTEXT listeners it is refused at once (ILLEGAL_SASL_STATE).
    'AuthService/Authenticate': {},
    // One produce request on a stream, then the fuzzer closes its side: answered as Produce
    // (within the acks=all wait bound for acks -1), or not at all (acks=0).
    'BrokerService/ProduceStream': {
      holdMs: (r) =>
        (num((r.request as Record<string, unknown> | null)?.acks) === -1 ? world.maxAckWaitMs : 0) + 100,
      unanswered: (r) => num((r.request as Record<string, unknown> | null)?.acks) === 0,
    },
    // ACL calls answer SECURITY_DISABLED here (no authorizer); the credential calls store
    // or refuse users of the fuzzer's own names.
    'SecurityService/CreateAcls': {},
    'SecurityService/DescribeAcls': {},
    'SecurityService/DeleteAcls': {},
    'SecurityService/AlterUserScramCredentials': {},
    'SecurityService/DescribeUserScramCredentials': {},
    'SecurityService/DescribeSecurityState': {},
  };
}
