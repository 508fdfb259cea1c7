import type { AclOperation, ResourceType } from './acl-model.js';

/**
 * Where a check finds the names of the resources it is about.
 * - `cluster`: the one Cluster resource (`kafka-cluster`);
 * - `field`: a path into the request message, with proto field names, `[]` stepping into a
 *   repeated field (`topics[].topic`);
 * - `each-listed`: the resources the answer would list (ListTopics), filtered out one by one.
 */
export type ResourceSource =
  | { readonly kind: 'cluster' }
  | { readonly kind: 'field'; readonly path: string }
  | { readonly kind: 'each-listed' };

/** What happens when the check fails, as Kafka's KafkaApis does for the corresponding API. */
export type DenialEffect =
  /** The whole call fails (CLUSTER_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, ...). */
  | 'refuse-call'
  /** Only the resource's entry in the answer carries the error (TOPIC_AUTHORIZATION_FAILED). */
  | 'per-resource-error'
  /** The resource is left out of the answer, as if it did not exist. */
  | 'omit-from-answer';

/** One (operation, resource) requirement of an RPC. */
export interface RpcCheck {
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
  readonly resource: ResourceSource;
  readonly onDenied: DenialEffect;
  /**
   * Passing this alternative instead is enough (Kafka's "Cluster CREATE, or CREATE on each
   * topic"): checked first, and when it passes the check itself is skipped.
   */
  readonly orElse?: {
    readonly operation: AclOperation;
    readonly resourceType: ResourceType;
    readonly resource: ResourceSource;
  };
  /**
   * When true, `orElse` is satisfied by the operation on any one resource of its type
   * (authorizeByResourceType, KIP-679).
   */
  readonly orElseOnAnyResource?: boolean;
}

/** A request-dependent choice between two sets of checks. */
export interface RpcCondition {
  /** A field of the request and the test on it, e.g. `replica_id >= 0`. */
  readonly field: string;
  readonly test: '>= 0';
  readonly whenTrue: readonly RpcCheck[];
  readonly whenFalse: readonly RpcCheck[];
}

/** How one Fjord RPC is authorized. */
export interface RpcAuthorization {
  /** The Kafka API whose authorization this copies. */
  readonly kafkaApi: string;
  /**
   * Only brokers may call it (needs CLUSTER_ACTION on the Cluster); the server also has to
   * check that the broker id in the request is the caller's own.
   */
  readonly brokerOnly: boolean;
  /** The request field holding the broker id a broker-only call claims. */
  readonly brokerIdField?: string;
  /**
   * A caller whose principal holds no broker id yet may claim any id here: this is the call
   * that binds one (a broker's first registration). The server still refuses an id another
   * principal holds.
   */
  readonly bindsBrokerId?: boolean;
  readonly checks: readonly RpcCheck[] | RpcCondition;
  /** Why this mapping, where it departs from the obvious or from Kafka. */
  readonly note?: string;
}

const CLUSTER: ResourceSource = { kind: 'cluster' };
const field = (path: string): ResourceSource => ({ kind: 'field', path });

const CLUSTER_ACTION: RpcCheck = {
  operation: 'CLUSTER_ACTION',
  resourceType: 'CLUSTER',
  resource: CLUSTER,
  onDenied: 'refuse-call',
};

function topics(
  operation: AclOperation,
  path: string,
  onDenied: DenialEffect = 'per-resource-error',
): RpcCheck {
  return { operation, resourceType: 'TOPIC', resource: field(path), onDenied };
}

function group(operation: AclOperation, path = 'group_id'): RpcCheck {
  return { operation, resourceType: 'GROUP', resource: field(path), onDenied: 'refuse-call' };
}

function brokerOnly(kafkaApi: string, brokerIdField: string | undefined, note?: string): RpcAuthorization {
  return {
    kafkaApi,
    brokerOnly: true,
    ...(brokerIdField === undefined ? {} : { brokerIdField }),
    checks: [CLUSTER_ACTION],
    ...(note === undefined ? {} : { note }),
  };
}

/**
 * Every RPC of every Fjord service, keyed `<package>.<Service>/<Method>`, with the ACL checks
 * Kafka makes for the API it corresponds to. One interceptor reads this table; a test keeps it
 * complete against the protos.
 */
export const RPC_AUTHORIZATION: Readonly<Record<string, RpcAuthorization>> = {
  'fjord.v1.BrokerService/Produce': {
    kafkaApi: 'Produce',
    brokerOnly: false,
    checks: [topics('WRITE', 'topics[].topic')],
    note:
      'Kafka < 2.8 also required IDEMPOTENT_WRITE on the Cluster for idempotent batches; since KIP-679 that check ' +
      'is made once, at InitProducerId. Transactional batches will need WRITE on their TransactionalId when Fjord has transactions.',
  },
  'fjord.v1.BrokerService/Fetch': {
    kafkaApi: 'Fetch',
    brokerOnly: false,
    checks: {
      field: 'replica_id',
      test: '>= 0',
      whenTrue: [CLUSTER_ACTION],
      whenFalse: [topics('READ', 'topics[].topic')],
    },
    note:
      'A replica fetch (replica_id >= 0) advances the leader\u2019s view of the follower and so the high watermark: ' +
      'it is broker-only, and replica_id must be the caller\u2019s own broker id. This check closes the forged ' +
      'replica-fetch attack of issue #13.',
  },
  'fjord.v1.BrokerService/FetchStream': {
    kafkaApi: 'Fetch (incremental fetch sessions, KIP-227)',
    brokerOnly: false,
    checks: {
      field: 'replica_id',
      test: '>= 0',
      whenTrue: [CLUSTER_ACTION],
      whenFalse: [topics('READ', 'topics[].topic')],
    },
    note:
      'As Fetch, checked on every request message of the stream (a session request names only the topics ' +
      'it changes; the broker checks each round against all the topics of the session). The first request ' +
      'sets replica_id for the session.',
  },
  'fjord.v1.BrokerService/ListOffsets': {
    kafkaApi: 'ListOffsets',
    brokerOnly: false,
    checks: [topics('DESCRIBE', 'topics[].topic')],
  },
  'fjord.v1.BrokerService/OffsetForLeaderEpoch': {
    kafkaApi: 'OffsetForLeaderEpoch',
    brokerOnly: false,
    checks: {
      field: 'replica_id',
      test: '>= 0',
      whenTrue: [CLUSTER_ACTION],
      whenFalse: [topics('DESCRIBE', 'topics[].topic')],
    },
  },
  'fjord.v1.CoordinatorService/RegisterBroker': {
    ...brokerOnly(
      'BrokerRegistration',
      'broker_id',
      'The first registration of a broker principal binds the id it claims; the coordinator refuses an id that another principal holds.',
    ),
    bindsBrokerId: true,
  },
  'fjord.v1.CoordinatorService/BrokerHeartbeat': brokerOnly('BrokerHeartbeat', 'broker_id'),
  'fjord.v1.CoordinatorService/AlterPartition': brokerOnly('AlterPartition', 'broker_id'),
  'fjord.v1.CoordinatorService/ControlledShutdown': brokerOnly('ControlledShutdown', 'broker_id'),
  'fjord.v1.CoordinatorService/GetMetadata': {
    kafkaApi: 'Metadata',
    brokerOnly: false,
    checks: [topics('DESCRIBE', 'topics[]')],
    note: 'Fjord does not auto-create topics, so Kafka\u2019s CREATE check for auto-creation has no counterpart.',
  },
  'fjord.v1.CoordinatorService/CreateTopics': {
    kafkaApi: 'CreateTopics',
    brokerOnly: false,
    checks: [
      {
        ...topics('CREATE', 'topics[].name'),
        orElse: { operation: 'CREATE', resourceType: 'CLUSTER', resource: CLUSTER },
      },
    ],
  },
  'fjord.v1.CoordinatorService/DeleteTopics': {
    kafkaApi: 'DeleteTopics',
    brokerOnly: false,
    checks: [topics('DELETE', 'topics[]')],
  },
  'fjord.v1.CoordinatorService/ListTopics': {
    kafkaApi: 'Metadata (all topics)',
    brokerOnly: false,
    checks: [
      {
        operation: 'DESCRIBE',
        resourceType: 'TOPIC',
        resource: { kind: 'each-listed' },
        onDenied: 'omit-from-answer',
      },
    ],
  },
  'fjord.v1.CoordinatorService/DescribeTopics': {
    kafkaApi: 'DescribeTopicPartitions',
    brokerOnly: false,
    checks: [topics('DESCRIBE', 'topics[]')],
  },
  'fjord.v1.CoordinatorService/AlterTopicConfigs': {
    kafkaApi: 'IncrementalAlterConfigs',
    brokerOnly: false,
    checks: [topics('ALTER_CONFIGS', 'topics[].topic')],
  },
  'fjord.v1.CoordinatorService/DescribeCluster': {
    kafkaApi: 'DescribeCluster',
    brokerOnly: false,
    checks: [{ operation: 'DESCRIBE', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
    note:
      'Stricter than Kafka, which answers DescribeCluster without a check: Fjord\u2019s answer also lists ' +
      'under-replicated partitions, i.e. topic names.',
  },
  'fjord.v1.CoordinatorService/ElectLeaders': {
    kafkaApi: 'ElectLeaders',
    brokerOnly: false,
    checks: [{ operation: 'ALTER', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
  },
  'fjord.v1.CoordinatorService/DescribeQuorum': {
    kafkaApi: 'DescribeQuorum',
    brokerOnly: false,
    checks: [{ operation: 'DESCRIBE', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
    note:
      'As Kafka. A client refused here still finds the leader: every follower names it in its ' +
      'NOT_COORDINATOR answers.',
  },
  'fjord.v1.QuorumService/Deliver': {
    kafkaApi: 'Vote, BeginQuorumEpoch, Fetch (KRaft controller to controller)',
    brokerOnly: false,
    checks: [CLUSTER_ACTION],
    note:
      'Raft between coordinators: as KRaft\u2019s quorum RPCs, CLUSTER_ACTION on the Cluster. A forged message ' +
      'could vote or append, so only cluster principals may send one.',
  },
  'fjord.v1.SecurityService/CreateAcls': {
    kafkaApi: 'CreateAcls',
    brokerOnly: false,
    checks: [{ operation: 'ALTER', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
  },
  'fjord.v1.SecurityService/DescribeAcls': {
    kafkaApi: 'DescribeAcls',
    brokerOnly: false,
    checks: [{ operation: 'DESCRIBE', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
  },
  'fjord.v1.SecurityService/DeleteAcls': {
    kafkaApi: 'DeleteAcls',
    brokerOnly: false,
    checks: [{ operation: 'ALTER', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
  },
  'fjord.v1.SecurityService/AlterUserScramCredentials': {
    kafkaApi: 'AlterUserScramCredentials',
    brokerOnly: false,
    checks: [{ operation: 'ALTER', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
  },
  'fjord.v1.SecurityService/DescribeUserScramCredentials': {
    kafkaApi: 'DescribeUserScramCredentials',
    brokerOnly: false,
    checks: [{ operation: 'DESCRIBE', resourceType: 'CLUSTER', resource: CLUSTER, onDenied: 'refuse-call' }],
  },
  'fjord.v1.SecurityService/DescribeSecurityState': brokerOnly(
    'none (a KRaft broker replays the metadata log, ACL and SCRAM records included)',
    undefined,
    'Carries every stored SCRAM credential: only brokers may read it.',
  ),
  'fjord.v1.GroupCoordinatorService/ConsumerGroupHeartbeat': {
    kafkaApi: 'ConsumerGroupHeartbeat',
    brokerOnly: false,
    checks: [group('READ'), topics('DESCRIBE', 'subscribed_topic_names[]', 'refuse-call')],
    note: 'As KIP-848: topics matched by subscribed_topic_regex are filtered to those the member may DESCRIBE.',
  },
  'fjord.v1.GroupCoordinatorService/OffsetCommit': {
    kafkaApi: 'OffsetCommit',
    brokerOnly: false,
    checks: [group('READ'), topics('READ', 'topics[].topic')],
  },
  // The classic (JoinGroup/SyncGroup) protocol that brokers forward for Kafka clients: Kafka
  // checks READ on the group for each of them, and READ on the topics of a commit.
  'fjord.v1.GroupCoordinatorService/JoinGroup': {
    kafkaApi: 'JoinGroup',
    brokerOnly: false,
    checks: [group('READ')],
  },
  'fjord.v1.GroupCoordinatorService/SyncGroup': {
    kafkaApi: 'SyncGroup',
    brokerOnly: false,
    checks: [group('READ')],
  },
  'fjord.v1.GroupCoordinatorService/Heartbeat': {
    kafkaApi: 'Heartbeat',
    brokerOnly: false,
    checks: [group('READ')],
  },
  'fjord.v1.GroupCoordinatorService/LeaveGroup': {
    kafkaApi: 'LeaveGroup',
    brokerOnly: false,
    checks: [group('READ')],
  },
  'fjord.v1.GroupCoordinatorService/ClassicOffsetCommit': {
    kafkaApi: 'OffsetCommit (classic group)',
    brokerOnly: false,
    checks: [group('READ'), topics('READ', 'topics[].topic')],
  },
  'fjord.v1.GroupCoordinatorService/OffsetFetch': {
    kafkaApi: 'OffsetFetch',
    brokerOnly: false,
    checks: [group('DESCRIBE'), topics('DESCRIBE', 'topics[].topic', 'omit-from-answer')],
  },
  'fjord.v1.GroupCoordinatorService/ListGroups': {
    kafkaApi: 'ListGroups',
    brokerOnly: false,
    checks: [
      {
        operation: 'DESCRIBE',
        resourceType: 'GROUP',
        resource: { kind: 'each-listed' },
        onDenied: 'omit-from-answer',
        orElse: { operation: 'DESCRIBE', resourceType: 'CLUSTER', resource: CLUSTER },
      },
    ],
  },
  'fjord.v1.GroupCoordinatorService/DescribeGroup': {
    kafkaApi: 'ConsumerGroupDescribe',
    brokerOnly: false,
    checks: [group('DESCRIBE')],
  },
  'fjord.v1.GroupCoordinatorService/ResetGroupOffsets': {
    kafkaApi: 'OffsetCommit (AdminClient.alterConsumerGroupOffsets)',
    brokerOnly: false,
    checks: [group('READ'), topics('READ', 'topics[].topic')],
  },
  'fjord.v1.GroupCoordinatorService/DeleteGroup': {
    kafkaApi: 'DeleteGroups',
    brokerOnly: false,
    checks: [group('DELETE')],
  },
  'fjord.v1.ProducerIdService/InitProducerId': {
    kafkaApi: 'InitProducerId (no transactional id)',
    brokerOnly: false,
    checks: [
      {
        operation: 'IDEMPOTENT_WRITE',
        resourceType: 'CLUSTER',
        resource: CLUSTER,
        onDenied: 'refuse-call',
        orElse: { operation: 'WRITE', resourceType: 'TOPIC', resource: { kind: 'each-listed' } },
        orElseOnAnyResource: true,
      },
    ],
    note: 'KIP-679: IDEMPOTENT_WRITE on the Cluster, or WRITE on at least one topic.',
  },
};

/** The authorization entry of an RPC, by its gRPC path `/fjord.v1.BrokerService/Produce` or key. */
export function rpcAuthorization(path: string): RpcAuthorization {
  const key = path.startsWith('/') ? path.slice(1) : path;
  const entry = RPC_AUTHORIZATION[key];
  // An RPC without an entry must never pass unchecked: the interceptor refuses it.
  if (!entry) throw new Error(`no authorization rule for RPC '${key}'; add it to RPC_AUTHORIZATION`);
  return entry;
}
