import { ErrorCode, type v1 } from '@fjord/protocol';
import { InvalidRequestError } from '@fjord/server-kit';
import { proposeUnfence } from '../election/broker-transitions.js';
import { staleBrokerEpochMessage } from './broker-epoch-check.js';
import { brokerPrincipalProblem } from './broker-principal-check.js';
import { BrokerViewHistory, brokerView } from './broker-view-history.js';
import { ANONYMOUS_PRINCIPAL } from './caller.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { brokerInfos, hostedReplicasOf } from './views.js';

/**
 * The views sent to brokers, per coordinator (the context is created once per process start).
 * Kept here rather than in the context: only this handler reads them, and they are a cache
 * identified by content, never state the metadata log needs to know about.
 */
const viewHistories = new WeakMap<CoordinatorContext, BrokerViewHistory>();

/**
 * BrokerHeartbeat: checks the broker's epoch, refreshes its session, unfences it if it was
 * fenced, and tells it what changed in the replicas it hosts when metadata moved past the
 * version it knows and its view differs from the one it last applied (`known_view_digest`):
 * most metadata changes (group updates, producer id blocks, other brokers' partitions) do
 * not concern it, and then only the version moves. A broker that accepts deltas and whose
 * view is among the last few sent to it gets only the replicas that changed and those
 * removed; otherwise (just registered, too far behind) the complete list.
 * The brokers carry their addresses on the listener the broker names (its inter-broker
 * listener), else on the one the heartbeat came in on.
 */
export async function brokerHeartbeat(
  ctx: CoordinatorContext,
  request: v1.BrokerHeartbeatRequest__Output,
  arrivedOn?: string,
  /** The caller's principal (only the principal a broker id is bound to may act for it). */
  principal: string = ANONYMOUS_PRINCIPAL,
): Promise<v1.BrokerHeartbeatResponse> {
  const brokerEpoch = parseInt64(request.brokerEpoch, 'broker_epoch');
  const knownVersion = parseInt64(request.knownMetadataVersion, 'known_metadata_version');
  const refusal = (errorCode: number, errorMessage: string): v1.BrokerHeartbeatResponse => ({
    errorCode,
    errorMessage,
    metadataVersion: String(ctx.store.metadataVersion),
    securityVersion: String(ctx.store.securityVersion),
    hasChanges: false,
    replicas: [],
    brokers: [],
    viewDigest: '',
    viewUnchanged: false,
    replicasAreDelta: false,
    removedReplicas: [],
  });

  const denied = brokerPrincipalProblem(ctx.security, request.brokerId, principal);
  if (denied) return refusal(denied.errorCode, denied.errorMessage);
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
  const answer = {
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    metadataVersion: String(metadataVersion),
    securityVersion: String(ctx.store.securityVersion),
    hasChanges,
    replicas: [] as v1.HostedReplica[],
    brokers: [] as v1.BrokerInfo[],
    viewDigest: '',
    viewUnchanged: false,
    replicasAreDelta: false,
    removedReplicas: [] as v1.RemovedReplica[],
  };
  if (!hasChanges) return answer;
  const brokers = brokerInfos(state, request.listenerName === '' ? arrivedOn : request.listenerName);
  const view = brokerView(state, request.brokerId, brokers);
  if (request.knownViewDigest !== '' && request.knownViewDigest === view.digest) {
    return { ...answer, viewDigest: view.digest, viewUnchanged: true };
  }
  let history = viewHistories.get(ctx);
  if (!history) {
    history = new BrokerViewHistory();
    viewHistories.set(ctx, history);
  }
  const delta = request.acceptsReplicaDeltas
    ? history.delta(request.brokerId, request.knownViewDigest, view)
    : undefined;
  history.remember(request.brokerId, view);
  if (!delta)
    return { ...answer, viewDigest: view.digest, replicas: hostedReplicasOf(view.partitions), brokers };
  return {
    ...answer,
    viewDigest: view.digest,
    replicas: hostedReplicasOf(delta.changed),
    brokers,
    replicasAreDelta: true,
    removedReplicas: delta.removed,
  };
}

function parseInt64(value: string, field: string): bigint {
  try {
    return BigInt(value);
  } catch {
    throw new InvalidRequestError(`${field} must be an integer, got ${JSON.stringify(value)}`);
  }
}
