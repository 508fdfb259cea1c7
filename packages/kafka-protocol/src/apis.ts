import { ALTER_USER_SCRAM_CREDENTIALS_REQUEST } from './messages/alter-user-scram-credentials-request.js';
import { ALTER_USER_SCRAM_CREDENTIALS_RESPONSE } from './messages/alter-user-scram-credentials-response.js';
import { API_VERSIONS_REQUEST } from './messages/api-versions-request.js';
import { API_VERSIONS_RESPONSE } from './messages/api-versions-response.js';
import { CONSUMER_GROUP_DESCRIBE_REQUEST } from './messages/consumer-group-describe-request.js';
import { CONSUMER_GROUP_DESCRIBE_RESPONSE } from './messages/consumer-group-describe-response.js';
import { CONSUMER_GROUP_HEARTBEAT_REQUEST } from './messages/consumer-group-heartbeat-request.js';
import { CONSUMER_GROUP_HEARTBEAT_RESPONSE } from './messages/consumer-group-heartbeat-response.js';
import { CREATE_ACLS_REQUEST } from './messages/create-acls-request.js';
import { CREATE_ACLS_RESPONSE } from './messages/create-acls-response.js';
import { CREATE_TOPICS_REQUEST } from './messages/create-topics-request.js';
import { CREATE_TOPICS_RESPONSE } from './messages/create-topics-response.js';
import { DELETE_ACLS_REQUEST } from './messages/delete-acls-request.js';
import { DELETE_ACLS_RESPONSE } from './messages/delete-acls-response.js';
import { DELETE_TOPICS_REQUEST } from './messages/delete-topics-request.js';
import { DELETE_TOPICS_RESPONSE } from './messages/delete-topics-response.js';
import { DESCRIBE_ACLS_REQUEST } from './messages/describe-acls-request.js';
import { DESCRIBE_ACLS_RESPONSE } from './messages/describe-acls-response.js';
import { DESCRIBE_CLUSTER_REQUEST } from './messages/describe-cluster-request.js';
import { DESCRIBE_CLUSTER_RESPONSE } from './messages/describe-cluster-response.js';
import { DESCRIBE_CONFIGS_REQUEST } from './messages/describe-configs-request.js';
import { DESCRIBE_CONFIGS_RESPONSE } from './messages/describe-configs-response.js';
import { DESCRIBE_GROUPS_REQUEST } from './messages/describe-groups-request.js';
import { DESCRIBE_GROUPS_RESPONSE } from './messages/describe-groups-response.js';
import { DESCRIBE_USER_SCRAM_CREDENTIALS_REQUEST } from './messages/describe-user-scram-credentials-request.js';
import { DESCRIBE_USER_SCRAM_CREDENTIALS_RESPONSE } from './messages/describe-user-scram-credentials-response.js';
import { FETCH_REQUEST } from './messages/fetch-request.js';
import { FETCH_RESPONSE } from './messages/fetch-response.js';
import { FIND_COORDINATOR_REQUEST } from './messages/find-coordinator-request.js';
import { FIND_COORDINATOR_RESPONSE } from './messages/find-coordinator-response.js';
import { HEARTBEAT_REQUEST } from './messages/heartbeat-request.js';
import { HEARTBEAT_RESPONSE } from './messages/heartbeat-response.js';
import { INIT_PRODUCER_ID_REQUEST } from './messages/init-producer-id-request.js';
import { INIT_PRODUCER_ID_RESPONSE } from './messages/init-producer-id-response.js';
import { JOIN_GROUP_REQUEST } from './messages/join-group-request.js';
import { JOIN_GROUP_RESPONSE } from './messages/join-group-response.js';
import { LEAVE_GROUP_REQUEST } from './messages/leave-group-request.js';
import { LEAVE_GROUP_RESPONSE } from './messages/leave-group-response.js';
import { LIST_GROUPS_REQUEST } from './messages/list-groups-request.js';
import { LIST_GROUPS_RESPONSE } from './messages/list-groups-response.js';
import { LIST_OFFSETS_REQUEST } from './messages/list-offsets-request.js';
import { LIST_OFFSETS_RESPONSE } from './messages/list-offsets-response.js';
import { METADATA_REQUEST } from './messages/metadata-request.js';
import { METADATA_RESPONSE } from './messages/metadata-response.js';
import { OFFSET_COMMIT_REQUEST } from './messages/offset-commit-request.js';
import { OFFSET_COMMIT_RESPONSE } from './messages/offset-commit-response.js';
import { OFFSET_FETCH_REQUEST } from './messages/offset-fetch-request.js';
import { OFFSET_FETCH_RESPONSE } from './messages/offset-fetch-response.js';
import { PRODUCE_REQUEST } from './messages/produce-request.js';
import { PRODUCE_RESPONSE } from './messages/produce-response.js';
import { SASL_AUTHENTICATE_REQUEST } from './messages/sasl-authenticate-request.js';
import { SASL_AUTHENTICATE_RESPONSE } from './messages/sasl-authenticate-response.js';
import { SASL_HANDSHAKE_REQUEST } from './messages/sasl-handshake-request.js';
import { SASL_HANDSHAKE_RESPONSE } from './messages/sasl-handshake-response.js';
import { SYNC_GROUP_REQUEST } from './messages/sync-group-request.js';
import { SYNC_GROUP_RESPONSE } from './messages/sync-group-response.js';
import type { MessageSchema } from './schema.js';

/** Kafka API keys of the messages this package has schemas for. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  SaslAuthenticate: 36,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
  DescribeCluster: 60,
  ConsumerGroupHeartbeat: 68,
  ConsumerGroupDescribe: 69,
} as const;

/** The request and response schema of one API. */
export interface ApiMessages {
  readonly apiKey: number;
  /** Kafka's name of the API, e.g. `Fetch`. */
  readonly name: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

const PAIRS: ReadonlyArray<[MessageSchema, MessageSchema]> = [
  [PRODUCE_REQUEST, PRODUCE_RESPONSE],
  [FETCH_REQUEST, FETCH_RESPONSE],
  [LIST_OFFSETS_REQUEST, LIST_OFFSETS_RESPONSE],
  [METADATA_REQUEST, METADATA_RESPONSE],
  [OFFSET_COMMIT_REQUEST, OFFSET_COMMIT_RESPONSE],
  [OFFSET_FETCH_REQUEST, OFFSET_FETCH_RESPONSE],
  [FIND_COORDINATOR_REQUEST, FIND_COORDINATOR_RESPONSE],
  [JOIN_GROUP_REQUEST, JOIN_GROUP_RESPONSE],
  [HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE],
  [LEAVE_GROUP_REQUEST, LEAVE_GROUP_RESPONSE],
  [SYNC_GROUP_REQUEST, SYNC_GROUP_RESPONSE],
  [DESCRIBE_GROUPS_REQUEST, DESCRIBE_GROUPS_RESPONSE],
  [LIST_GROUPS_REQUEST, LIST_GROUPS_RESPONSE],
  [SASL_HANDSHAKE_REQUEST, SASL_HANDSHAKE_RESPONSE],
  [API_VERSIONS_REQUEST, API_VERSIONS_RESPONSE],
  [CREATE_TOPICS_REQUEST, CREATE_TOPICS_RESPONSE],
  [DELETE_TOPICS_REQUEST, DELETE_TOPICS_RESPONSE],
  [INIT_PRODUCER_ID_REQUEST, INIT_PRODUCER_ID_RESPONSE],
  [DESCRIBE_ACLS_REQUEST, DESCRIBE_ACLS_RESPONSE],
  [CREATE_ACLS_REQUEST, CREATE_ACLS_RESPONSE],
  [DELETE_ACLS_REQUEST, DELETE_ACLS_RESPONSE],
  [DESCRIBE_CONFIGS_REQUEST, DESCRIBE_CONFIGS_RESPONSE],
  [SASL_AUTHENTICATE_REQUEST, SASL_AUTHENTICATE_RESPONSE],
  [DESCRIBE_USER_SCRAM_CREDENTIALS_REQUEST, DESCRIBE_USER_SCRAM_CREDENTIALS_RESPONSE],
  [ALTER_USER_SCRAM_CREDENTIALS_REQUEST, ALTER_USER_SCRAM_CREDENTIALS_RESPONSE],
  [DESCRIBE_CLUSTER_REQUEST, DESCRIBE_CLUSTER_RESPONSE],
  [CONSUMER_GROUP_HEARTBEAT_REQUEST, CONSUMER_GROUP_HEARTBEAT_RESPONSE],
  [CONSUMER_GROUP_DESCRIBE_REQUEST, CONSUMER_GROUP_DESCRIBE_RESPONSE],
];

/** Every API with schemas, by API key. */
export const API_MESSAGES: ReadonlyMap<number, ApiMessages> = new Map(
  PAIRS.map(([request, response]) => [
    request.apiKey,
    { apiKey: request.apiKey, name: request.name.replace(/Request$/, ''), request, response },
  ]),
);
