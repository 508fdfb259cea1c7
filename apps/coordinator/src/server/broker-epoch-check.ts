import { ErrorCode } from '@fjord/protocol';
import { InvalidRequestError } from '@fjord/server-kit';
import type { MetadataState } from '../metadata/state.js';

/**
 * STALE_BROKER_EPOCH's message. It names neither epoch: the current broker epoch is the
 * credential broker-only RPCs check, so an answer that printed it would hand it to anyone
 * who sent a wrong one.
 */
export function staleBrokerEpochMessage(brokerId: number): string {
  return `broker ${brokerId} sent a stale broker epoch (another registration of the id replaced it); register again`;
}

/** Why a broker-only request is refused (unknown broker or stale epoch), or undefined. */
export function brokerEpochProblem(
  state: MetadataState,
  brokerId: number,
  brokerEpoch: string,
): { errorCode: number; errorMessage: string } | undefined {
  let epoch: bigint;
  try {
    epoch = BigInt(brokerEpoch);
  } catch {
    throw new InvalidRequestError(`broker_epoch must be an integer, got ${JSON.stringify(brokerEpoch)}`);
  }
  const broker = state.brokers[String(brokerId)];
  if (!broker) {
    return {
      errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED,
      errorMessage: `broker ${brokerId} is not registered`,
    };
  }
  if (BigInt(broker.brokerEpoch) !== epoch) {
    return {
      errorCode: ErrorCode.STALE_BROKER_EPOCH,
      errorMessage: staleBrokerEpochMessage(brokerId),
    };
  }
  return undefined;
}
