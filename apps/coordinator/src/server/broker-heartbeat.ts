import { createHash } from 'node:crypto';
import { ErrorCode, type v1 } from '@fjord/protocol';
import { InvalidRequestError } from '@fjord/server-kit';
import { proposeUnfence } from '../election/broker-transitions.js';
import { staleBrokerEpochMessage } from './broker-epoch-check.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { brokerInfos, hostedReplicas } from './views.js';

/**
 * BrokerHeartbeat: checks the broker's epoch, refreshes its session, unfences it if it was
 * fenced, and hands it the complete list of replicas it hosts when metadata moved past the
 * version it knows and that list (or the brokers list) differs from the one the broker last
 * applied (`known_view_digest`): most metadata changes (group updates, producer id blocks,
 * other brokers' partitions) do not concern it, and then only the version moves. The brokers
 * carry their addresses on the listener the broker names (its inter-broker listener), else on
 * the one the heartbeat came in on.
 */
export async function brokerHeartbeat(
  ctx: CoordinatorContext,
  request: v1.BrokerHeartbeatRequest__Output,
  arrivedOn?: string,
): Promise<v1.BrokerHeartbeatResponse> {
  const brokerEpoch = parseInt64(request.brokerEpoch, 'broker_epoch');
  const knownVersion = parseInt64(request.knownMetadataVersion, 'known_metadata_version');
  const refusal = (errorCode: number, errorMessage: string): v1.BrokerHeartbeatResponse => ({
    errorCode,
    errorMessage,
    metadataVersion: String(ctx.store.metadataVersion),
    hasChanges: false,
    replicas: [],
    brokers: [],
    viewDigest: '',
    viewUnchanged: false,
  });

  const broker = ctx.store.state.brokers[String(request.brokerId)];
  if (!broker) {
    return refusal(ErrorCode.BROKER_ID_NOT_REGISTERED, `broker ${request.brokerId} is not registered`);
  }
  if (BigInt(broker.brokerEpoch) !== brokerEpoch) {
    return refusal(ErrorCode.STALE_BROKER_EPOCH, staleBrokerEpochMessage(request.brokerId));
  }
  // Refresh first, so a liveness check racing with the unfence below sees a fresh session.
  ctx.sessions.touch(request.brokerId, broker.incarnationId);
  if (broker.fenced) {
    const unfenced = await ctx.store.propose((proposal) => {
      const current = proposal.state.brokers[String(request.brokerId)];
      if (!current?.fenced || current.brokerEpoch !== broker.brokerEpoch) return false;
      proposeUnfence(proposal, request.brokerId);
      return true;
    });
    if (unfenced) ctx.logger.info({ brokerId: request.brokerId }, 'broker unfenced');
  }

  const state = ctx.store.state;
  const metadataVersion = ctx.store.metadataVersion;
  const hasChanges = BigInt(metadataVersion) > knownVersion;
  const base = { errorCode: ErrorCode.NONE, errorMessage: '', metadataVersion: String(metadataVersion) };
  if (!hasChanges) {
    return { ...base, hasChanges, replicas: [], brokers: [], viewDigest: '', viewUnchanged: false };
  }
  const replicas = hostedReplicas(state, request.brokerId);
  const brokers = brokerInfos(state, request.listenerName === '' ? arrivedOn : request.listenerName);
  const viewDigest = digestOf(replicas, brokers);
  if (request.knownViewDigest !== '' && request.knownViewDigest === viewDigest) {
    return { ...base, hasChanges, replicas: [], brokers: [], viewDigest, viewUnchanged: true };
  }
  return { ...base, hasChanges, replicas, brokers, viewDigest, viewUnchanged: false };
}

/** SHA-256 of the view a heartbeat answer carries (both lists are built in a stable order). */
function digestOf(replicas: readonly v1.HostedReplica[], brokers: readonly v1.BrokerInfo[]): string {
  return createHash('sha256').update(JSON.stringify({ replicas, brokers })).digest('hex');
}

function parseInt64(value: string, field: string): bigint {
  try {
    return BigInt(value);
  } catch {
    throw new InvalidRequestError(`${field} must be an integer, got ${JSON.stringify(value)}`);
  }
}
