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
import { clientHost, type KafkaPrincipal, type StandardAuthorizer } from '@fjord/security';
import type { Logger } from 'pino';
import type { KafkaApi, KafkaRequestContext } from './api.js';
import { apiKeyRanges } from './apis/api-versions.js';
import { CoordinatorUnavailableError } from './coordinator-calls.js';
import { KafkaErrorCode } from './kafka-error-codes.js';
import { KafkaAccess } from './security/kafka-access.js';
import { KafkaConnectionAuthentication, type KafkaSaslSettings } from './security/kafka-authentication.js';

/** Requests read ahead of the one being answered before the socket stops reading (backpressure). */
const MAX_QUEUED_REQUESTS = 32;

/** How long a connection closed after its answer waits for the answer to drain. */
const END_GRACE_MS = 1_000;

/** Largest frame before authentication: Kafka's sasl.server.max.receive.size default. */
export const MAX_UNAUTHENTICATED_FRAME_BYTES = 512 * 1024;

/**
 * How long a connection to a SASL listener may take to authenticate. Kafka bounds it only by
 * connections.max.idle.ms; a bound of its own keeps unauthenticated connections from holding
 * the broker's sockets, while real clients log in within a few round trips of connecting.
 */
export const DEFAULT_AUTHENTICATION_TIMEOUT_MS = 30_000;

/** Options of {@link serveKafkaConnection}. */
export interface KafkaConnectionOptions {
  readonly apis: ReadonlyMap<number, KafkaApi>;
  readonly logger: Logger;
  readonly maxFrameBytes: number;
  /** Aborted when the broker stops. */
  readonly shutdownSignal: AbortSignal;
  /** The principal before any SASL login: the client certificate's on SSL, else User:ANONYMOUS. */
  readonly principal: KafkaPrincipal;
  /** SASL settings on SASL_PLAINTEXT and SASL_SSL listeners; undefined on the others. */
  readonly sasl?: KafkaSaslSettings | undefined;
  /** The broker's current ACLs (undefined: `--authorizer none`, everything allowed). */
  readonly authorizer: () => StandardAuthorizer | undefined;
  /** How long a SASL connection may take to log in (default {@link DEFAULT_AUTHENTICATION_TIMEOUT_MS}). */
  readonly authenticationTimeoutMs?: number | undefined;
}

/**
 * Serves one client connection. Requests are answered one at a time in the order they came,
 * as a Kafka broker does, which is what keeps an idempotent producer's batches in order. A
 * frame that does not parse, an unknown API key or an unsupported version (other than of
 * ApiVersions) closes the connection, as Kafka does; so does a request the connection's
 * authentication state does not admit (see {@link KafkaConnectionAuthentication}). A handler
 * that cannot reach the coordinator quorum is answered with its API's retriable error.
 */
export function serveKafkaConnection(socket: Socket, options: KafkaConnectionOptions): void {
  const { apis, logger, maxFrameBytes } = options;
  const splitter = new FrameSplitter(() =>
    authentication.authenticated ? maxFrameBytes : Math.min(maxFrameBytes, MAX_UNAUTHENTICATED_FRAME_BYTES),
  );
  const closed = new AbortController();
  const signal = AbortSignal.any([closed.signal, options.shutdownSignal]);
  // A socket reset while being accepted has no address left: nothing to serve.
  if (socket.remoteAddress === undefined) return void socket.destroy();
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const host = clientHost(socket.remoteAddress);
  const authentication = new KafkaConnectionAuthentication({
    sasl: options.sasl,
    principal: options.principal,
    connectionId: peer,
  });
  if (!authentication.authenticated) {
    const timeoutMs = options.authenticationTimeoutMs ?? DEFAULT_AUTHENTICATION_TIMEOUT_MS;
    const timer = setTimeout(() => {
      if (!authentication.authenticated) drop(`not authenticated within ${timeoutMs} ms`);
    }, timeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;

  const drop = (reason: string, details: object = {}) => {
    if (socket.destroyed) return;
    logger.warn({ peer, ...details }, `kafka connection closed: ${reason}`);
    socket.destroy();
  };

  const answer = async (frame: Buffer) => {
    if (socket.destroyed || socket.writableEnded) return;
    if (authentication.expectsRawToken) return answerRawToken(frame);
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
    const refusal = authentication.admit(header.apiKey);
    if (refusal !== undefined) return drop(refusal, { clientId: header.clientId });
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
    let closeReason: string | undefined;
    const context: KafkaRequestContext = {
      header,
      signal,
      access: new KafkaAccess(options.authorizer(), authentication.principal, host),
      authentication,
      closeAfterResponse: (reason) => {
        closeReason ??= reason;
      },
    };
    let response: Awaited<ReturnType<KafkaApi['handle']>>;
    try {
      response = await api.handle(body, context);
    } catch (error) {
      if (error instanceof CoordinatorUnavailableError && api.unavailable) {
        logger.warn({ peer, api: messages.name, err: error.cause }, 'kafka request: no coordinator leader');
        response = api.unavailable(body, context, error.message);
      } else {
        // The client reconnects and retries.
        logger.error({ err: error, peer, api: messages.name }, 'kafka request failed');
        return drop(`${messages.name} failed`);
      }
    }
    if (response !== null) {
      const writer = new Writer();
      encodeMessage(messages.response, header.apiVersion, response, writer);
      sendFrame(frameResponse(writer, header.apiKey, header.apiVersion, header.correlationId));
    }
    if (closeReason !== undefined) end(closeReason, { clientId: header.clientId });
  };

  // After a v0 SaslHandshake the client sends its SASL tokens bare, each in a size-prefixed
  // frame without a Kafka header, and gets the server's the same way (Kafka's v0 protocol).
  const answerRawToken = (frame: Buffer) => {
    const outcome = authentication.authenticate(frame, 0);
    if (outcome.errorCode !== 0) return drop(outcome.errorMessage ?? 'SASL authentication failed');
    const size = Buffer.alloc(4);
    size.writeInt32BE(outcome.authBytes.length);
    sendFrame([size, outcome.authBytes]);
  };

  /** Closes after what was written has gone out (drop discards it). */
  const end = (reason: string, details: object = {}) => {
    if (socket.destroyed || socket.writableEnded) return;
    logger.info({ peer, ...details }, `kafka connection closed: ${reason}`);
    socket.end();
    // A peer that never reads must not hold the socket open.
    setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
  };

  const send = (frame: { body: Writer; header: RequestHeader }) => {
    sendFrame(frameResponse(frame.body, frame.header.apiKey, 0, frame.header.correlationId));
  };

  const sendFrame = (chunks: Buffer[]) => {
    if (socket.destroyed || socket.writableEnded) return;
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
