import { ErrorCode, type v1 } from '@fjord/protocol';
import { SECURITY_PROTOCOLS } from '@fjord/server-kit';
import { proposeRegistration } from '../election/broker-transitions.js';
import { metadataRecord } from '../metadata/records.js';
import { securityOf } from '../metadata/security-state.js';
import type { MetadataState } from '../metadata/state.js';
import { ANONYMOUS_PRINCIPAL } from './caller.js';
import type { CoordinatorContext } from './coordinator-context.js';

/** Why a registration request is unusable, or undefined when it is fine. */
export function registrationProblem(request: v1.RegisterBrokerRequest__Output): string | undefined {
  if (!Number.isInteger(request.brokerId) || request.brokerId < 0) {
    return `broker id must be an integer >= 0, got ${request.brokerId}`;
  }
  if (request.host.trim() === '') return 'host must not be empty';
  if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65_535) {
    return `port must be between 1 and 65535, got ${request.port}`;
  }
  if (
    request.kafkaPort !== 0 &&
    (request.kafkaPort < 1 || request.kafkaPort > 65_535 || request.kafkaHost.trim() === '')
  ) {
    return `kafka listener must be a host and a port between 1 and 65535, got "${request.kafkaHost}":${request.kafkaPort}`;
  }
  return (
    listenersProblem('listeners', request.listeners) ??
    listenersProblem('kafka_listeners', request.kafkaListeners)
  );
}

function listenersProblem(
  field: string,
  listeners: readonly v1.ListenerEndpoint__Output[],
): string | undefined {
  const names = new Set<string>();
  for (const { name, host, port, securityProtocol } of listeners) {
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      return `${field}: listener name must be letters, digits, "_" and "-", got "${name}"`;
    if (names.has(name)) return `${field}: listener ${name} is named twice`;
    names.add(name);
    if (host.trim() === '') return `${field}: listener ${name} has an empty host`;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      return `${field}: listener ${name} port must be between 1 and 65535, got ${port}`;
    }
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(securityProtocol)) {
      return `${field}: listener ${name} has unknown security protocol "${securityProtocol}"`;
    }
  }
  return undefined;
}

function endpointStates(listeners: readonly v1.ListenerEndpoint__Output[]) {
  return listeners.map(({ name, host, port, securityProtocol }) => ({
    name,
    host: host.trim(),
    port,
    securityProtocol,
  }));
}

/**
 * Why `principal` may not register `brokerId` against the planned state, or undefined. With an
 * authorizer, a broker id belongs to the principal that first registered it, and a principal
 * holds one broker id (the server kit's `brokerIdOf` maps a principal to one id).
 */
function bindingProblem(
  ctx: CoordinatorContext,
  state: MetadataState,
  brokerId: number,
  principal: string,
): string | undefined {
  if (!ctx.security.enabled) return undefined;
  const { brokerPrincipals } = securityOf(state);
  const bound = brokerPrincipals.get(brokerId);
  if (bound === principal) return undefined;
  if (bound !== undefined) return `broker ${brokerId} is bound to another principal`;
  for (const [otherId, other] of brokerPrincipals) {
    if (other === principal)
      return `this principal is bound to broker ${otherId}; it may register no other id`;
  }
  return undefined;
}

/**
 * RegisterBroker: refuses an id held by another incarnation with a live session (KRaft's
 * rule; the new process retries until the old session expires), otherwise appends
 * RegisterBroker, whose log offset becomes the new broker epoch, and starts a session. With an
 * authorizer, the first registration of an id also binds it to the caller's principal
 * (BrokerPrincipal, same entry); another principal is refused CLUSTER_AUTHORIZATION_FAILED.
 */
export async function registerBroker(
  ctx: CoordinatorContext,
  request: v1.RegisterBrokerRequest__Output,
  principal: string = ANONYMOUS_PRINCIPAL,
): Promise<v1.RegisterBrokerResponse> {
  const answer = (
    errorCode: number,
    errorMessage: string,
    brokerEpoch = '-1',
  ): v1.RegisterBrokerResponse => ({
    errorCode,
    errorMessage,
    brokerEpoch,
    clusterId: ctx.store.state.clusterId ?? '',
    heartbeatIntervalMs: ctx.heartbeatIntervalMs,
    sessionTimeoutMs: ctx.sessionTimeoutMs,
  });
  const problem = registrationProblem(request);
  if (problem) return answer(ErrorCode.INVALID_REQUEST, problem);

  const { brokerId, incarnationId } = request;
  const kafka =
    request.kafkaPort > 0 ? { kafkaHost: request.kafkaHost.trim(), kafkaPort: request.kafkaPort } : {};
  const named = {
    ...(request.listeners.length > 0 ? { listeners: endpointStates(request.listeners) } : {}),
    ...(request.kafkaListeners.length > 0 ? { kafkaListeners: endpointStates(request.kafkaListeners) } : {}),
  };
  const registration = {
    brokerId,
    host: request.host.trim(),
    port: request.port,
    ...kafka,
    ...named,
    incarnationId,
  };
  const outcome = await ctx.store.propose((proposal) => {
    const denied = bindingProblem(ctx, proposal.state, brokerId, principal);
    if (denied) return { duplicate: false as const, denied };
    const existing = proposal.state.brokers[String(brokerId)];
    if (
      existing &&
      !existing.fenced &&
      existing.incarnationId !== incarnationId &&
      ctx.sessions.isLiveAndHeardFrom(brokerId)
    ) {
      return { duplicate: true as const };
    }
    if (ctx.security.enabled && !securityOf(proposal.state).brokerPrincipals.has(brokerId)) {
      proposal.append(metadataRecord({ type: 'BrokerPrincipal', brokerId, principal }));
    }
    const brokerEpoch = proposeRegistration(proposal, registration, request.previousShutdownClean);
    proposal.afterCommit(() => ctx.sessions.start(brokerId, incarnationId));
    return { duplicate: false as const, brokerEpoch };
  });
  if ('denied' in outcome && outcome.denied !== undefined) {
    ctx.logger.warn(
      { brokerId, principal },
      'broker registration refused: the id is bound to another principal',
    );
    return answer(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, outcome.denied);
  }
  if (outcome.duplicate) {
    return answer(
      ErrorCode.DUPLICATE_BROKER_REGISTRATION,
      `broker ${brokerId} is registered by another live process (incarnation differs); ` +
        `retry after its session of ${ctx.sessionTimeoutMs} ms expires`,
    );
  }
  ctx.logger.info(
    { brokerId, brokerEpoch: outcome.brokerEpoch, host: registration.host, port: request.port },
    'broker registered',
  );
  return answer(ErrorCode.NONE, '', outcome.brokerEpoch);
}
