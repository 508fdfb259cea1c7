import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/**
 * HTTP/2 receive window a Fjord server grants each connection and each stream on it.
 *
 * grpc-js servers keep Node's default of 64 KiB (the option `grpc-node.flow_control_window`
 * is read by its client transport only; grpc/grpc-node#3058 would add it to the server). With
 * 64 KiB a producer's stream of 128 KiB batches stalled on every WINDOW_UPDATE the broker's
 * busy event loop sent late: W1 at 1 KiB went from 40.9k to 70.6k records/s when the window
 * was raised (docs/PERFORMANCE.md, "HTTP/2 receive window"). 4 MiB holds a producer's four
 * batches in flight several times over while bounding what one connection can leave unread
 * in the server's memory; a request larger than the window still arrives, in several turns.
 */
export const SERVER_RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

type AnyHttp2Server = Http2Server | Http2SecureServer;

/**
 * Grants every HTTP/2 session `server` accepts from now on a receive window of `bytes`, for the
 * connection and for each stream (SETTINGS_INITIAL_WINDOW_SIZE). Call it after each bind:
 * grpc-js creates an HTTP/2 server per bound port and only keeps them in a private map, the one
 * place grpc-js's internals are reached into (grpc-server.test.ts fails if that map goes away).
 * Returns the number of HTTP/2 servers newly hooked.
 */
export function widenReceiveWindows(server: grpc.Server, bytes = SERVER_RECEIVE_WINDOW_BYTES): number {
  const http2Servers = (server as unknown as { http2Servers?: Map<AnyHttp2Server, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) {
    throw new Error('grpc-js no longer keeps Server.http2Servers: the receive window cannot be set');
  }
  let hooked = 0;
  for (const http2Server of http2Servers.keys()) {
    if (widened.has(http2Server)) continue;
    widened.add(http2Server);
    http2Server.on('session', (session: ServerHttp2Session) => widenSession(session, bytes));
    hooked++;
  }
  return hooked;
}

const widened = new WeakSet<AnyHttp2Server>();

function widenSession(session: ServerHttp2Session, bytes: number): void {
  // A session that fails here (e.g. already destroyed by a refused TLS handshake) keeps
  // the defaults: slower, never wrong.
  try {
    session.settings({ initialWindowSize: bytes });
    session.setLocalWindowSize(bytes);
  } catch {
    /* the session is closing */
  }
}
