import { Counter, Gauge, Histogram, type Registry } from '@fjord/observability';
import type { RaftMetadataReplica } from '../quorum/raft-metadata-replica.js';

/** Buckets of the commit latency: an fsync is ~1-10 ms, a majority round trip adds a network hop. */
const COMMIT_LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Metrics of this coordinator's voter in the metadata quorum: its term, role and commit
 * index, leader changes it saw, commit latency of what it proposed, and (on the leader) how
 * far each follower is behind. Gauges read the Raft node at scrape time.
 */
export function registerQuorumMetrics(
  registry: Registry,
  replica: RaftMetadataReplica,
  messagesDropped: () => number,
): void {
  const registers = [registry];
  const node = replica.node;
  new Gauge({
    name: 'fjord_coordinator_quorum_term',
    help: 'Raft term this coordinator is in',
    registers,
    collect() {
      this.set(node.term);
    },
  });
  new Gauge({
    name: 'fjord_coordinator_quorum_leader',
    help: '1 while this coordinator leads the quorum, else 0',
    registers,
    collect() {
      this.set(node.role === 'leader' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fjord_coordinator_quorum_leader_id',
    help: 'Node id of the quorum leader this coordinator knows, -1 when none (an election is running)',
    registers,
    collect() {
      this.set(node.leaderId ?? -1);
    },
  });
  new Gauge({
    name: 'fjord_coordinator_quorum_commit_index',
    help: 'Raft commit index of this coordinator',
    registers,
    collect() {
      this.set(node.commitIndex);
    },
  });
  new Gauge({
    name: 'fjord_coordinator_quorum_in_contact',
    help: '1 while this voter is in touch with a majority (leader: heard from one; follower: from the leader) within an election timeout',
    registers,
    collect() {
      this.set(node.inContactWithQuorum() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fjord_coordinator_quorum_follower_lag_entries',
    help: 'On the leader: entries each follower is behind the leader log end, as the leader knows it',
    labelNames: ['voter'],
    registers,
    collect() {
      this.reset();
      const last = node.status().lastIndex;
      for (const peer of node.peerProgress()) {
        this.set({ voter: String(peer.id) }, Math.max(0, last - peer.matchIndex));
      }
    },
  });
  new Counter({
    name: 'fjord_coordinator_quorum_messages_dropped_total',
    help: 'Raft messages dropped on the way to a peer (queue full or call failed); Raft resends what matters',
    registers,
    collect() {
      this.reset();
      this.inc(messagesDropped());
    },
  });
  const leaderChanges = new Counter({
    name: 'fjord_coordinator_quorum_leader_changes_total',
    help: 'Terms in which this coordinator learnt of a leader (any voter, itself included)',
    registers,
  });
  // One leader per term: a leader known in a term not counted yet is a change.
  let countedTerm = -1;
  replica.onStatus((status) => {
    if (status.leaderId !== null && status.term !== countedTerm) {
      countedTerm = status.term;
      leaderChanges.inc();
    }
  });
  const commitLatency = new Histogram({
    name: 'fjord_coordinator_quorum_commit_latency_seconds',
    help: 'From proposing a metadata entry to its commit on a majority (fsyncs included), on the leader',
    buckets: COMMIT_LATENCY_BUCKETS_SECONDS,
    registers,
  });
  replica.onCommitted((latencyMs) => commitLatency.observe(latencyMs / 1000));
}
