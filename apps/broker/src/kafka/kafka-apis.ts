import type { KafkaApi } from './api.js';
import { apiVersionsApi } from './apis/api-versions.js';
import { describeClusterApi, findCoordinatorApi, initProducerIdApi } from './apis/cluster-info.js';
import { describeConfigsApi } from './apis/describe-configs.js';
import { fetchApi } from './apis/fetch.js';
import { listOffsetsApi } from './apis/list-offsets.js';
import { metadataApi } from './apis/metadata.js';
import { produceApi } from './apis/produce.js';
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
  ];
  apis.push(apiVersionsApi(() => apis));
  return new Map(apis.map((api) => [api.apiKey, api]));
}
