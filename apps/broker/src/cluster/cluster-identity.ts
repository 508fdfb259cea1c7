import { CLUSTER_ID_KEY } from '../log/keys.js';
import type { LogStore } from '../log/store.js';

/**
 * The cluster a broker's data directory belongs to, like Kafka's `cluster.id` in
 * meta.properties. The first successful registration stores the coordinator's cluster id;
 * afterwards a coordinator with another id is refused. Without this, a coordinator that
 * lost its metadata (new data dir, new cluster id) would hand the broker an empty
 * hosted-replica list, and the broker would delete every partition it stores.
 */
export class ClusterIdentity {
  constructor(private readonly store: LogStore) {}

  /**
   * Adopts `clusterId` when the data directory has none yet. Returns undefined when the
   * directory belongs to `clusterId`, else the id it belongs to.
   */
  async adopt(clusterId: string): Promise<string | undefined> {
    const stored = (await this.store.db.get(CLUSTER_ID_KEY))?.toString('utf8');
    if (stored === clusterId) return undefined;
    if (stored !== undefined) return stored;
    await this.store.write([{ type: 'put', key: CLUSTER_ID_KEY, value: Buffer.from(clusterId, 'utf8') }]);
    return undefined;
  }
}
