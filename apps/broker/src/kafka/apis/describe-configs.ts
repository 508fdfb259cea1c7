import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode, parseTopicConfig, renderTopicConfig } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { type KafkaTopicConfigKind, TOPIC_CONFIG_KINDS } from '../topic-config-kinds.js';

/** Kafka's ConfigResource types. */
const TOPIC = 2;
const BROKER = 4;
/** Kafka's ConfigSource values (v1+). */
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

const TOPIC_DEFAULTS = renderTopicConfig(parseTopicConfig({}));
/** Kafka's ConfigType for a config it does not know the type of. */
const UNKNOWN_CONFIG_TYPE = 0;

function kindOf(name: string): KafkaTopicConfigKind | undefined {
  return (TOPIC_CONFIG_KINDS as Readonly<Record<string, KafkaTopicConfigKind>>)[name];
}

/** Where a topic's effective config value comes from, as Kafka's ConfigSource names it. */
export function topicConfigSource(name: string, value: string): number {
  return TOPIC_DEFAULTS[name] === value ? DEFAULT_CONFIG : DYNAMIC_TOPIC_CONFIG;
}

/**
 * DescribeConfigs v0–4: a topic's effective configuration from the coordinator, each entry
 * marked default or topic override (with itself as the only synonym when synonyms are asked
 * for); v3 adds each config's Kafka type and, when asked for, its documentation. Brokers have
 * no Kafka-named settings to show: a broker resource gets an empty list. A topic needs
 * DESCRIBE_CONFIGS on it (TOPIC_AUTHORIZATION_FAILED), a broker DESCRIBE_CONFIGS on the Cluster
 * (CLUSTER_AUTHORIZATION_FAILED).
 */
export function describeConfigsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DescribeConfigs,
    minVersion: 0,
    maxVersion: 4,
    notes:
      'Topics: effective configuration, defaults marked, with Kafka’s config types and (v3+, when asked) documentation. Brokers: an empty list.',
    async handle(request, { access }) {
      const resources = asStructs(request.resources);
      const refusal = (resource: KafkaStruct): number | undefined => {
        if (resource.resourceType === TOPIC)
          return access.allows('DESCRIBE_CONFIGS', 'TOPIC', resource.resourceName as string)
            ? undefined
            : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        if (resource.resourceType === BROKER)
          return access.allowsOnCluster('DESCRIBE_CONFIGS')
            ? undefined
            : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        return undefined;
      };
      const topicNames = resources
        .filter((r) => r.resourceType === TOPIC && refusal(r) === undefined)
        .map((r) => r.resourceName as string);
      const described =
        topicNames.length > 0 ? (await deps.coordinator.describeTopics({ topics: topicNames })).topics : [];
      const includeSynonyms = request.includeSynonyms as boolean;
      const includeDocumentation = (request.includeDocumentation as boolean | undefined) ?? false;
      const results = resources.map((resource): KafkaStruct => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        const keys = resource.configurationKeys as string[] | null;
        const refused = refusal(resource);
        if (refused !== undefined) return { ...base, errorCode: refused, errorMessage: null, configs: [] };
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
              configType: kindOf(name)?.type ?? UNKNOWN_CONFIG_TYPE,
              documentation: includeDocumentation ? (kindOf(name)?.documentation ?? null) : null,
            };
          }),
        };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
