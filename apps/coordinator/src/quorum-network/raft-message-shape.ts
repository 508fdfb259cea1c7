import type { RaftMessage } from '../quorum/raft-messages.js';

const TYPES = new Set([
  'PreVote',
  'PreVoteResponse',
  'Vote',
  'VoteResponse',
  'AppendEntries',
  'AppendEntriesResponse',
  'InstallSnapshot',
  'InstallSnapshotResponse',
  'TimeoutNow',
]);

const isInt = (value: unknown): value is number => Number.isSafeInteger(value);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * True when `value` has the shape of a {@link RaftMessage}: a known type, integer ids, term
 * and indexes where the core reads them. The core trusts the messages it receives; this keeps
 * a garbled or forged one from reaching it half-formed. (It does not make a message true: that
 * is what CLUSTER_ACTION on QuorumService is for.)
 */
export function isRaftMessage(value: unknown): value is RaftMessage<unknown> {
  if (!isObject(value) || typeof value.type !== 'string' || !TYPES.has(value.type)) return false;
  if (!isInt(value.from) || !isInt(value.to) || !isInt(value.term)) return false;
  switch (value.type) {
    case 'PreVote':
      return isInt(value.lastLogIndex) && isInt(value.lastLogTerm);
    case 'Vote':
      return (
        isInt(value.lastLogIndex) &&
        isInt(value.lastLogTerm) &&
        (value.leadershipTransfer === undefined || typeof value.leadershipTransfer === 'boolean')
      );
    case 'TimeoutNow':
      return true;
    case 'PreVoteResponse':
    case 'VoteResponse':
      return typeof value.granted === 'boolean';
    case 'AppendEntries':
      return (
        isInt(value.prevLogIndex) &&
        isInt(value.prevLogTerm) &&
        isInt(value.leaderCommit) &&
        typeof value.leaderTimeMs === 'number' &&
        Array.isArray(value.entries) &&
        value.entries.every((e) => isObject(e) && isInt(e.index) && isInt(e.term) && 'command' in e)
      );
    case 'AppendEntriesResponse':
      return (
        typeof value.success === 'boolean' &&
        isInt(value.matchIndex) &&
        (value.conflictTerm === null || isInt(value.conflictTerm)) &&
        isInt(value.conflictIndex) &&
        typeof value.leaderTimeMs === 'number'
      );
    case 'InstallSnapshot':
      return (
        isObject(value.snapshot) &&
        isInt(value.snapshot.index) &&
        isInt(value.snapshot.term) &&
        'data' in value.snapshot &&
        typeof value.leaderTimeMs === 'number'
      );
    default:
      return isInt(value.matchIndex) && typeof value.leaderTimeMs === 'number';
  }
}
