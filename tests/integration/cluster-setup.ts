import { Fjord } from '@fjord/sdk';
import { type Cluster, type ClusterOptions, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll } from 'vitest';

/** The cluster of one test file and an SDK client connected to it. */
export interface FileCluster {
  /** The running cluster (throws outside tests, before `beforeAll` started it). */
  readonly cluster: Cluster;
  /** A client on the cluster, closed before the cluster stops. */
  readonly fjord: Fjord;
}

/**
 * Starts a cluster with `options` and a client named `clientId` before the file's tests, and
 * registers their cleanup in the same place: the client closes, then the cluster stops, also
 * when a start failed halfway or a test failed. Call it at the top of a `describe`.
 */
export function useCluster(clientId: string, options: ClusterOptions = {}): FileCluster {
  let cluster: Cluster | undefined;
  let fjord: Fjord | undefined;
  beforeAll(async () => {
    cluster = await startCluster(options);
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`useCluster(${clientId}): ${what} is used before beforeAll started it`);
    return value;
  };
  return {
    get cluster() {
      return started(cluster, 'the cluster');
    },
    get fjord() {
      return started(fjord, 'the client');
    },
  };
}
