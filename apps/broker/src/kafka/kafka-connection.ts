import type { Socket } from 'node:net';
import {
  API_MESSAGES,
  ApiKey,
  decodeMessage,
  decodeRequestHeader,
  encodeMessage,
  FrameSplitter,
  frameResponse,
  KafkaProtocolError,
  Reader,
  type RequestHeader,
  Writer,
} from '@fjord/kafka-protocol';
import type { Logger } from 'pino';
import type { KafkaApi } from './api.js';
import { apiKeyRanges } from './apis/api-versions.js';
import { KafkaErrorCode } from './kafka-error-codes.js';

/** Requests read ahead of the one being answered before the socket stops reading (backpressure). */
const MAX_QUEUED_REQUESTS = 32;

/** Options of {@link serveKafkaConnection}. */
export interface KafkaConnectionOptions {
  readonly apis: ReadonlyMap<number, KafkaApi>;
  readonly logger: Logger;
  readonly maxFrameBytes: number;
  /** Aborted when the broker stops. */
  readonly shutdownSignal: AbortSignal;
}

/**
 * Serves one client connection. Requests are answered one at a time in the order they came,
 * as a Kafka broker does, which is what keeps an idempotent producer's batches in order. A
 * frame that does not parse, an unknown API key or an unsupported version (other than of
 * ApiVersions) closes the connection, as Kafka does.
 */
export function serveKafkaConnection(socket: Socket, options: KafkaConnectionOptions): void {
  const { apis, logger, maxFrameBytes } = options;
  const splitter = new FrameSplitter(maxFrameBytes);
  const closed = new AbortController();
  const signal = AbortSignal.any([closed.signal, options.shutdownSignal]);
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;

  const drop = (reason: string, details: object = {}) => {
    if (socket.destroyed) return;
    logger.warn({ peer, ...details }, `kafka connection closed: ${reason}`);
    socket.destroy();
  };

  const answer = async (frame: Buffer) => {
    if (socket.destroyed) return;
    const reader = new Reader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(reader);
    } catch (error) {
      return drop('unreadable request header', { err: error });
    }
    const api = apis.get(header.apiKey);
    const messages = API_MESSAGES.get(header.apiKey);
    if (!api || !messages) return drop(`unknown API key ${header.apiKey}`, { clientId: header.clientId });
    if (header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) return send(unsupportedApiVersions(header, api));
      return drop(
        `${messages.name} v${header.apiVersion} is not supported (v${api.minVersion}-${api.maxVersion})`,
        { clientId: header.clientId },
      );
    }
    let body: ReturnType<typeof decodeMessage>;
    try {
      body = decodeMessage(messages.request, header.apiVersion, reader);
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
      return drop(`malformed ${messages.name} v${header.apiVersion}: ${error.message}`, {
        clientId: header.clientId,
      });
    }
    let response: Awaited<ReturnType<KafkaApi['handle']>>;
    try {
      response = await api.handle(body, { header, signal });
    } catch (error) {
      // Usually the coordinator is unreachable; the client reconnects and retries.
      logger.error({ err: error, peer, api: messages.name }, 'kafka request failed');
      return drop(`${messages.name} failed`);
    }
    if (response === null) return;
    const writer = new Writer();
    encodeMessage(messages.response, header.apiVersion, response, writer);
    sendFrame(frameResponse(writer, header.apiKey, header.apiVersion, header.correlationId));
  };

  const send = (frame: { body: Writer; header: RequestHeader }) => {
    sendFrame(frameResponse(frame.body, frame.header.apiKey, 0, frame.header.correlationId));
  };

  const sendFrame = (chunks: Buffer[]) => {
    if (socket.destroyed) return;
    socket.cork();
    for (const chunk of chunks) socket.write(chunk);
    socket.uncork();
  };

  const unsupportedApiVersions = (header: RequestHeader, api: KafkaApi) => {
    // Kafka answers with a v0 body: the error and the ApiVersions range, so the client retries within it.
    const body = new Writer();
    encodeMessage(
      API_MESSAGES.get(ApiKey.ApiVersions)!.response,
      0,
      { errorCode: KafkaErrorCode.UNSUPPORTED_VERSION, apiKeys: apiKeyRanges([api]) },
      body,
    );
    return { body, header };
  };

  socket.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = splitter.push(chunk);
    } catch (error) {
      return drop((error as Error).message);
    }
    for (const frame of frames) {
      queued += 1;
      if (queued > MAX_QUEUED_REQUESTS) socket.pause();
      queue = queue
        .then(() => answer(frame))
        .catch((error: unknown) => {
          logger.error({ err: error, peer }, 'kafka request failed');
          drop('internal error');
        })
        .finally(() => {
          queued -= 1;
          if (queued <= MAX_QUEUED_REQUESTS && socket.isPaused() && !socket.destroyed) socket.resume();
        });
    }
  });
  socket.on('error', () => {
    // Resets by the peer end the connection like a close; nothing to answer.
  });
  socket.on('close', () => closed.abort());
}
