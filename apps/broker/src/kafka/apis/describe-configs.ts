import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode, parseTopicConfig, renderTopicConfig } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

/** Kafka's ConfigResource types. */
const TOPIC = 2;
const BROKER = 4;
/** Kafka's ConfigSource values (v1+). */
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

const TOPIC_DEFAULTS = renderTopicConfig(parseTopicConfig({}));

/** Where a topic's effective config value comes from, as Kafka's ConfigSource names it. */
export function topicConfigSource(name: string, value: string): number {
  return TOPIC_DEFAULTS[name] === value ? DEFAULT_CONFIG : DYNAMIC_TOPIC_CONFIG;
}

/**
 * DescribeConfigs v0–2: a topic's effective configuration from the coordinator, each entry
 * marked default or topic override (with itself as the only synonym when synonyms are asked
 * for). Brokers have no Kafka-named settings to show: a broker resource gets an empty list.
 */
export function describeConfigsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DescribeConfigs,
    minVersion: 0,
    maxVersion: 2,
    notes: 'Topics: effective configuration, defaults marked. Brokers: an empty list.',
    async handle(request) {
      const resources = asStructs(request.resources);
      const topicNames = resources
        .filter((r) => r.resourceType === TOPIC)
        .map((r) => r.resourceName as string);
      const described =
        topicNames.length > 0 ? (await deps.coordinator.describeTopics({ topics: topicNames })).topics : [];
      const includeSynonyms = request.includeSynonyms as boolean;
      const results = resources.map((resource): KafkaStruct => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        const keys = resource.configurationKeys as string[] | null;
        if (resource.resourceType === BROKER)
          return { ...base, errorCode: 0, errorMessage: null, configs: [] };
        if (resource.resourceType !== TOPIC) {
          return {
            ...base,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `resource type ${resource.resourceType} is not supported`,
            configs: [],
          };
        }
        const topic = described.find((t) => t.name === resource.resourceName);
        if (!topic || topic.errorCode !== ErrorCode.NONE) {
          return {
            ...base,
            errorCode: topic?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: topic?.errorMessage ?? `topic "${resource.resourceName}" does not exist`,
            configs: [],
          };
        }
        const entries = Object.entries(topic.configs)
          .filter(([name]) => keys === null || keys.includes(name))
          .sort(([a], [b]) => a.localeCompare(b));
        return {
          ...base,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          configs: entries.map(([name, value]) => {
            const configSource = topicConfigSource(name, value);
            const isDefault = configSource === DEFAULT_CONFIG;
            return {
              name,
              value,
              readOnly: false,
              isDefault,
              configSource,
              isSensitive: false,
              synonyms: includeSynonyms ? [{ name, value, source: configSource }] : [],
            };
          }),
        };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
