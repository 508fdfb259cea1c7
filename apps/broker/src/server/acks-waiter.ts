import { ErrorCode } from '@fjord/protocol';
import type { HostedPartition } from '../cluster/hosted-replicas.js';
import { anyAborted, type StopSignals, waitForAppend } from './append-waiter.js';
import type { PartitionResolver } from './partition-resolver.js';

/** How often a waiting acks=all request looks at the ISR again, when nothing was appended. */
const ISR_RECHECK_MS = 100;

/** How an acks=all wait ended: NONE, or the error to answer the partition with. */
export interface AckOutcome {
  errorCode: number;
  errorMessage: string;
}

/**
 * acks=all: waits until the high watermark reaches `endOffset`, i.e. every ISR member has
 * the batch (the leader moves the watermark to the smallest log end over the ISR). Fails
 * with NOT_LEADER_OR_FOLLOWER when leadership moved meanwhile (a fenced leader never
 * acknowledges), with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below
 * min.insync.replicas while waiting, and with REQUEST_TIMED_OUT after `timeoutMs`.
 */
export async function waitForIsrAck(
  resolver: PartitionResolver,
  hosted: HostedPartition,
  endOffset: bigint,
  timeoutMs: number,
  signals: StopSignals,
): Promise<AckOutcome> {
  const deadline = Date.now() + Math.max(timeoutMs, 1);
  const where = `${hosted.topic}/${hosted.partition}`;
  for (;;) {
    const current = resolver.resolveCurrent(hosted.topic, hosted.partition);
    if (
      !current.ok ||
      current.hosted.leaderEpoch !== hosted.leaderEpoch ||
      current.hosted.log !== hosted.log
    ) {
      return {
        errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
        errorMessage: `leadership of ${where} moved before every in-sync replica had the batch`,
      };
    }
    const { log, isr, config } = current.hosted;
    const minIsr = config['min.insync.replicas'];
    // Below min.insync.replicas the high watermark stands still (strict min ISR, KIP-966), so
    // an uncommitted batch would only wait for its timeout: answer now, retriably.
    if (isr.length < minIsr) {
      return {
        errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        errorMessage: `the ISR of ${where} shrank to [${isr.join(',')}], below min.insync.replicas=${minIsr}, while the batch was replicated`,
      };
    }
    if (log.highWatermark >= endOffset) return { errorCode: ErrorCode.NONE, errorMessage: '' };
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0 || anyAborted(signals)) {
      return {
        errorCode: ErrorCode.REQUEST_TIMED_OUT,
        errorMessage: `not every in-sync replica of ${where} ([${isr.join(',')}]) had the batch within ${timeoutMs} ms`,
      };
    }
    // ISR changes wake nobody: look again at least every ISR_RECHECK_MS.
    await waitForAppend([log], Math.min(remainingMs, ISR_RECHECK_MS), signals);
  }
}
