import { ApiKey } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import type { KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { KafkaErrorCode } from '../kafka-error-codes.js';
import { controllerId, kafkaBrokers } from './kafka-brokers.js';

/** DescribeCluster's endpoint types (KIP-919): brokers, or controllers (which Kafka clients never see here). */
const BROKER_ENDPOINTS = 1;

/**
 * DescribeCluster v0–1: cluster id, the stand-in controller id and the live Kafka brokers.
 * Needs DESCRIBE on the Cluster (CLUSTER_AUTHORIZATION_FAILED), stricter than Kafka as
 * @fjord/security's table says: Fjord's own DescribeCluster also lists partitions.
 */
export function describeClusterApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    notes: 'Broker endpoints only (controllers: UNSUPPORTED_ENDPOINT_TYPE).',
    async handle(request, { access }) {
      const endpointType = request.endpointType as number;
      if (!access.allowsOnCluster('DESCRIBE')) {
        return describeClusterError(
          endpointType,
          ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          'the principal may not DESCRIBE the cluster',
        );
      }
      if (endpointType !== BROKER_ENDPOINTS) {
        return describeClusterError(
          endpointType,
          KafkaErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
          `endpoint type ${endpointType} is not served: Kafka clients see only brokers`,
        );
      }
      const cluster = await deps.coordinator.describeCluster();
      const brokers = kafkaBrokers(cluster.brokers, deps.listenerName);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        endpointType,
        clusterId: cluster.clusterId,
        controllerId: controllerId(brokers),
        brokers: brokers.map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: null })),
      };
    },
    unavailable: (request, _context, message) =>
      describeClusterError(request.endpointType as number, ErrorCode.COORDINATOR_NOT_AVAILABLE, message),
  };
}

function describeClusterError(endpointType: number, errorCode: number, errorMessage: string) {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    endpointType,
    clusterId: '',
    controllerId: -1,
    brokers: [],
  };
}

/** FindCoordinator's key type for groups; 1 (transactions) has no coordinator in Fjord. */
const GROUP_KEY = 0;

const NO_COORDINATOR = { nodeId: -1, host: '', port: -1 };

/**
 * FindCoordinator v0–4: every group's coordinator is the broker asked, which forwards the
 * group RPCs to the Fjord coordinator (brief §14), so any broker a client reaches will do.
 * Transaction coordinators do not exist (COORDINATOR_NOT_AVAILABLE). A group the principal
 * may not DESCRIBE is answered GROUP_AUTHORIZATION_FAILED.
 */
export function findCoordinatorApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.FindCoordinator,
    minVersion: 0,
    maxVersion: 4,
    notes:
      'Groups: the broker asked (it forwards group requests to the coordinator). Transactions: COORDINATOR_NOT_AVAILABLE.',
    async handle(request, { header, access }) {
      const keyType = request.keyType as number;
      const answer = (key: string) => {
        if (keyType !== GROUP_KEY) {
          return {
            ...NO_COORDINATOR,
            errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
            errorMessage: 'Fjord has no transaction coordinator',
          };
        }
        if (!access.allows('DESCRIBE', 'GROUP', key)) {
          return { ...NO_COORDINATOR, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
        }
        return {
          nodeId: deps.brokerId,
          host: deps.advertisedHost,
          port: deps.advertisedPort,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
        };
      };
      if (header.apiVersion < 4) return { throttleTimeMs: 0, ...answer(request.key as string) };
      const keys = (request.coordinatorKeys as string[] | null) ?? [];
      return { throttleTimeMs: 0, coordinators: keys.map((key) => ({ key, ...answer(key) })) };
    },
  };
}

/**
 * InitProducerId v0–4 for idempotent producers: a fresh id from the coordinator's
 * ProducerIdService. A producer that names its current id and epoch (v3+, to bump the epoch
 * after a timeout) gets a fresh id too, which fences the old one just as well. Transactional
 * ids are refused (Fjord has no transactions). Needs IDEMPOTENT_WRITE on the Cluster or WRITE
 * on at least one topic (KIP-679), else CLUSTER_AUTHORIZATION_FAILED. Without a reachable
 * coordinator leader: COORDINATOR_NOT_AVAILABLE, which producers retry.
 */
export function initProducerIdApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.InitProducerId,
    minVersion: 0,
    maxVersion: 4,
    notes:
      "Idempotent producers: a fresh id from the coordinator's ProducerIdService (also when a v3+ client asks to bump its epoch). Transactional ids are refused.",
    async handle(request, { access }) {
      if (!access.allowsOnCluster('IDEMPOTENT_WRITE') && !access.allowsOnAny('WRITE', 'TOPIC')) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          producerId: -1n,
          producerEpoch: -1,
        };
      }
      if (request.transactionalId !== null) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.INVALID_REQUEST,
          producerId: -1n,
          producerEpoch: -1,
        };
      }
      const answer = await deps.coordinator.initProducerId();
      return {
        throttleTimeMs: 0,
        errorCode: answer.errorCode,
        producerId: BigInt(answer.producerId),
        producerEpoch: answer.producerEpoch,
      };
    },
    unavailable: () => ({
      throttleTimeMs: 0,
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      producerId: -1n,
      producerEpoch: -1,
    }),
  };
}
