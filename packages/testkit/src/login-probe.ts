import { ChannelSecurity, GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';
import { unary } from './coordinator-client.js';
import type { SecureClientOptions } from './secure-cluster.js';
import { waitFor } from './wait-for.js';

/**
 * Resolves once `login` logs in at the broker at `address` (a SASL listener) and a call with
 * its token is answered. Brokers check logins against their copy of the credentials, which
 * follows the coordinators' by up to a heartbeat: a user created a moment ago is refused there
 * until then.
 */
export async function waitUntilBrokerLogin(
  address: string,
  options: Pick<SecureClientOptions, 'ssl' | 'sasl'>,
  timeoutMs = 15_000,
): Promise<void> {
  const security = new ChannelSecurity({ ssl: options.ssl, sasl: options.sasl });
  const { BrokerService } = loadFjordProto().fjord.v1;
  let last = 'no answer';
  await waitFor(
    async () => {
      // A channel per attempt: a refused login is not retried on the channel it failed on.
      const secured = security.open(address, GRPC_CHANNEL_OPTIONS);
      const client = new BrokerService(address, secured.credentials, secured.clientOptions);
      try {
        await unary<v1.ListOffsetsResponse__Output>((callback) =>
          client.listOffsets({ topics: [] }, { deadline: Date.now() + 2_000 }, callback),
        );
        return true;
      } catch (error) {
        last = (error as grpc.ServiceError).message;
        return undefined;
      } finally {
        client.close();
        secured.close();
      }
    },
    {
      timeoutMs,
      intervalMs: 200,
      message: () => `${options.sasl.username} logging in at ${address} (${last})`,
    },
  );
}
