import type { KafkaApi } from './api.js';
import { createAclsApi, deleteAclsApi, describeAclsApi } from './apis/acls.js';
import { apiVersionsApi } from './apis/api-versions.js';
import { describeClusterApi, findCoordinatorApi, initProducerIdApi } from './apis/cluster-info.js';
import { consumerGroupDescribeApi, consumerGroupHeartbeatApi } from './apis/consumer-group.js';
import { describeConfigsApi } from './apis/describe-configs.js';
import { fetchApi } from './apis/fetch.js';
import { describeGroupsApi, listGroupsApi } from './apis/group-listing.js';
import { heartbeatApi, joinGroupApi, leaveGroupApi, syncGroupApi } from './apis/group-membership.js';
import { offsetCommitApi, offsetFetchApi } from './apis/group-offsets.js';
import { listOffsetsApi } from './apis/list-offsets.js';
import { metadataApi } from './apis/metadata.js';
import { produceApi } from './apis/produce.js';
import { saslAuthenticateApi, saslHandshakeApi } from './apis/sasl.js';
import { alterUserScramCredentialsApi, describeUserScramCredentialsApi } from './apis/scram-credentials.js';
import { createTopicsApi, deleteTopicsApi } from './apis/topics-admin.js';
import type { KafkaDeps } from './kafka-deps.js';

/** Every API the Kafka listener serves, by API key. */
export function createKafkaApis(deps: KafkaDeps): ReadonlyMap<number, KafkaApi> {
  const apis: KafkaApi[] = [
    produceApi(deps),
    fetchApi(deps),
    listOffsetsApi(deps),
    metadataApi(deps),
    findCoordinatorApi(deps),
    createTopicsApi(deps),
    deleteTopicsApi(deps),
    initProducerIdApi(deps),
    describeConfigsApi(deps),
    describeClusterApi(deps),
    joinGroupApi(deps),
    syncGroupApi(deps),
    heartbeatApi(deps),
    leaveGroupApi(deps),
    offsetCommitApi(deps),
    offsetFetchApi(deps),
    listGroupsApi(deps),
    describeGroupsApi(deps),
    consumerGroupHeartbeatApi(deps),
    consumerGroupDescribeApi(deps),
    saslHandshakeApi(),
    saslAuthenticateApi(),
    createAclsApi(deps),
    describeAclsApi(deps),
    deleteAclsApi(deps),
    describeUserScramCredentialsApi(deps),
    alterUserScramCredentialsApi(deps),
  ];
  apis.push(apiVersionsApi(() => apis));
  return new Map(apis.map((api) => [api.apiKey, api]));
}

/**
 * The served APIs without a running broker (for docs/KAFKA-COMPATIBILITY.md): the handlers
 * capture their dependencies and touch them only when called, which these never are.
 */
export function servedKafkaApis(): KafkaApi[] {
  const unavailable = new Proxy({} as KafkaDeps, {
    get: () => {
      throw new Error('servedKafkaApis() lists the APIs; it cannot serve requests');
    },
  });
  return [...createKafkaApis(unavailable).values()].sort((a, b) => a.apiKey - b.apiKey);
}
