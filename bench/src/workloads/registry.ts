import type { Workload, WorkloadId } from './types.js';
import { w1MaxProduce } from './w1-max-produce.js';
import { w2Group } from './w2-group.js';
import { w3Replication } from './w3-replication.js';
import { w4Latency } from './w4-latency.js';
import { w5CatchUp } from './w5-catch-up.js';

/** Each workload and the label used when it is skipped or fails as a whole. */
export const WORKLOADS: Record<WorkloadId, { run: Workload; title: string }> = {
  W1: { run: w1MaxProduce, title: 'max produce, 1p 1 partition RF=1 acks=1' },
  W2: { run: w2Group, title: '4p/4c 16 partitions RF=1 acks=1' },
  W3: { run: w3Replication, title: 'RF=3 acks=all vs RF=1 acks=1' },
  W4: { run: w4Latency, title: 'end-to-end latency at fixed rates' },
  W5: { run: w5CatchUp, title: 'catch-up: 1 consumer drains a backlog' },
};
