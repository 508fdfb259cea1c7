import { ApiKey } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import type { KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { KafkaErrorCode } from '../kafka-error-codes.js';
import { controllerId, kafkaBrokers } from './kafka-brokers.js';

/** DescribeCluster's endpoint types (KIP-919): brokers, or controllers (which Kafka clients never see here). */
const BROKER_ENDPOINTS = 1;

/** DescribeCluster v0–1: cluster id, the stand-in controller id and the live Kafka brokers. */
export function describeClusterApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    notes: 'Broker endpoints only (controllers: UNSUPPORTED_ENDPOINT_TYPE).',
    async handle(request) {
      const endpointType = request.endpointType as number;
      if (endpointType !== BROKER_ENDPOINTS) {
        return {
          throttleTimeMs: 0,
          errorCode: KafkaErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
          errorMessage: `endpoint type ${endpointType} is not served: Kafka clients see only brokers`,
          endpointType,
          clusterId: '',
          controllerId: -1,
          brokers: [],
        };
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
  };
}

/** FindCoordinator's key type for groups; 1 (transactions) has no coordinator in Fjord. */
const GROUP_KEY = 0;

/**
 * FindCoordinator v0–4: every group's coordinator is the broker asked, which forwards the
 * group RPCs to the Fjord coordinator (brief §14), so any broker a client reaches will do.
 * Transaction coordinators do not exist (COORDINATOR_NOT_AVAILABLE).
 */
export function findCoordinatorApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.FindCoordinator,
    minVersion: 0,
    maxVersion: 4,
    notes:
      'Groups: the broker asked (it forwards group requests to the coordinator). Transactions: COORDINATOR_NOT_AVAILABLE.',
    async handle(request, { header }) {
      const keyType = request.keyType as number;
      const found = keyType === GROUP_KEY;
      const answer = {
        nodeId: found ? deps.brokerId : -1,
        host: found ? deps.advertisedHost : '',
        port: found ? deps.advertisedPort : -1,
        errorCode: found ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: found ? null : 'Fjord has no transaction coordinator',
      };
      if (header.apiVersion < 4) return { throttleTimeMs: 0, ...answer };
      const keys = (request.coordinatorKeys as string[] | null) ?? [];
      return { throttleTimeMs: 0, coordinators: keys.map((key) => ({ key, ...answer })) };
    },
  };
}

/**
 * InitProducerId v0–4 for idempotent producers: a fresh id from the coordinator's
 * ProducerIdService. A producer that names its current id and epoch (v3+, to bump the epoch
 * after a timeout) gets a fresh id too, which fences the old one just as well. Transactional
 * ids are refused (Fjord has no transactions).
 */
export function initProducerIdApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.InitProducerId,
    minVersion: 0,
    maxVersion: 4,
    notes:
      "Idempotent producers: a fresh id from the coordinator's ProducerIdService (also when a v3+ client asks to bump its epoch). Transactional ids are refused.",
    async handle(request) {
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
  };
}
