import { ErrorCode, type v1 } from '@fjord/protocol';
import { proposeControlledShutdown } from '../election/controlled-shutdown.js';
import { brokerEpochProblem } from './broker-epoch-check.js';
import { brokerPrincipalProblem } from './broker-principal-check.js';
import { ANONYMOUS_PRINCIPAL } from './caller.js';
import type { CoordinatorContext } from './coordinator-context.js';

/**
 * ControlledShutdown: moves the broker's leaderships to other live ISR members and takes it
 * out of ISRs that keep another member, then answers how many partitions it still leads.
 * Idempotent: a retry moves whatever became movable since.
 */
export async function controlledShutdown(
  ctx: CoordinatorContext,
  request: v1.ControlledShutdownRequest__Output,
  /** The caller's principal (only the principal a broker id is bound to may act for it). */
  principal: string = ANONYMOUS_PRINCIPAL,
): Promise<v1.ControlledShutdownResponse> {
  const problem =
    brokerPrincipalProblem(ctx.security, request.brokerId, principal) ??
    brokerEpochProblem(ctx.store.state, request.brokerId, request.brokerEpoch);
  if (problem) return { ...problem, remainingLeaderships: 0 };
  const remaining = await ctx.store.propose((proposal) =>
    proposeControlledShutdown(proposal, request.brokerId),
  );
  ctx.logger.info({ brokerId: request.brokerId, remainingLeaderships: remaining }, 'controlled shutdown');
  return { errorCode: ErrorCode.NONE, errorMessage: '', remainingLeaderships: remaining };
}
