import { createServer, type Server, type Socket } from 'node:net';
import { DEFAULT_MAX_FRAME_BYTES } from '@fjord/kafka-protocol';
import type { Logger } from 'pino';
import type { KafkaApi } from './api.js';
import { serveKafkaConnection } from './kafka-connection.js';

/** A bound Kafka listener. */
export interface KafkaListener {
  /** The bound port (the actual one with port 0). */
  readonly port: number;
  /** Stops accepting, closes every connection (in-flight requests are abandoned). */
  close(): Promise<void>;
}

/** Options of {@link startKafkaListener}. */
export interface KafkaListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly apis: ReadonlyMap<number, KafkaApi>;
  readonly logger: Logger;
  readonly shutdownSignal: AbortSignal;
  /** Largest request frame (Kafka's socket.request.max.bytes); default 100 MiB. */
  readonly maxFrameBytes?: number;
}

/** Binds the Kafka-protocol listener (a plain TCP server) and serves each connection. */
export async function startKafkaListener(options: KafkaListenerOptions): Promise<KafkaListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveKafkaConnection(socket, {
      apis: options.apis,
      logger: options.logger,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      shutdownSignal: options.shutdownSignal,
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
