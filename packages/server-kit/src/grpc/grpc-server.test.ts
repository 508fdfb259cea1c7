import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { LISTENER_METADATA_KEY, listenerOfCall } from './call-listener.js';
import {
  grpcAddress,
  type RunningGrpcServer,
  type StartGrpcServerOptions,
  startGrpcServer,
  stopGrpcServer,
} from './grpc-server.js';
import { SERVER_RECEIVE_WINDOW_BYTES } from './receive-window.js';

// A one-method service without a .proto: requests and responses are raw bytes.
const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const definition: grpc.ServiceDefinition = {
  Echo: {
    path: '/test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes.serialize,
    requestDeserialize: bytes.deserialize,
    responseSerialize: bytes.serialize,
    responseDeserialize: bytes.deserialize,
  },
};
const EchoClient = grpc.makeGenericClientConstructor(definition, 'Echo');

function call(port: number, payload: string, metadata = new grpc.Metadata()): Promise<string> {
  const client = new EchoClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as grpc.Client & {
    Echo: (
      req: Buffer,
      metadata: grpc.Metadata,
      done: (error: grpc.ServiceError | null, res?: Buffer) => void,
    ) => void;
  };
  return new Promise<string>((resolve, reject) => {
    client.Echo(Buffer.from(payload), metadata, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response!.toString());
    });
  });
}

describe('grpcAddress', () => {
  it('brackets an IPv6 host once', () => {
    expect(grpcAddress('127.0.0.1', 7400)).toBe('127.0.0.1:7400');
    expect(grpcAddress('::1', 7400)).toBe('[::1]:7400');
    expect(grpcAddress('[::1]', 7400)).toBe('[::1]:7400');
  });
});

type EchoHandler = (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => void;

describe('startGrpcServer / stopGrpcServer', () => {
  let running: RunningGrpcServer | undefined;
  afterEach(() => {
    running?.server.forceShutdown();
    running = undefined;
  });

  /** Starts the Echo service on 127.0.0.1, an ephemeral port. */
  async function serveEcho(Echo: EchoHandler, extra: Partial<StartGrpcServerOptions> = {}) {
    running = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      services: [{ definition, handlers: { Echo } }],
      ...extra,
    });
    return running;
  }

  it('serves the given services on the bound ephemeral port, counting each call', async () => {
    const answered: string[] = [];
    const { port, server } = await serveEcho((c, done) => done(null, c.request), {
      instrument: {
        metrics: { start: (api: string) => (outcome: string) => answered.push(`${api} ${outcome}`) } as never,
      },
    });
    expect(port).toBeGreaterThan(0);
    expect(await call(port, 'hello')).toBe('hello');
    expect(answered).toEqual(['Echo ok']);
    await stopGrpcServer(server, 1_000);
  });

  it('lets an in-flight call finish within the grace', async () => {
    let release: () => void = () => {};
    const { port, server } = await serveEcho((c, done) => {
      release = () => done(null, c.request);
    });
    const finished = call(port, 'slow');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = stopGrpcServer(server, 5_000);
    release();
    expect(await finished).toBe('slow');
    await stopped;
  });

  it('cancels the calls still running after the grace', async () => {
    const { port, server } = await serveEcho(() => undefined);
    const stuck = call(port, 'never answered');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    await stopGrpcServer(server, 200);
    expect(Date.now() - began).toBeLessThan(2_000);
    await expect(stuck).rejects.toMatchObject({ code: grpc.status.CANCELLED });
  });

  it('binds every listener on its own port and tells a handler which one a call came in on', async () => {
    const { ports, port } = await serveEcho(
      (c, done) => done(null, Buffer.from(listenerOfCall(c) ?? 'none')),
      {
        listeners: [
          { name: 'INTERNAL', host: '127.0.0.1', port: 0 },
          { name: 'EXTERNAL', host: '127.0.0.1', port: 0 },
        ],
      },
    );
    const internal = ports.get('INTERNAL')!;
    const external = ports.get('EXTERNAL')!;
    expect(port).toBe(internal);
    expect(external).not.toBe(internal);
    expect(await call(internal, 'x')).toBe('INTERNAL');
    expect(await call(external, 'x')).toBe('EXTERNAL');
    // A client cannot pick its listener by sending the tag itself.
    const forged = new grpc.Metadata();
    forged.set(LISTENER_METADATA_KEY, 'INTERNAL');
    expect(await call(external, 'x', forged)).toBe('EXTERNAL');
  });

  it("grants every connection and stream the wide receive window, not HTTP/2's 64 KiB", async () => {
    const { ports } = await serveEcho((c, done) => done(null, c.request), {
      listeners: [
        { name: 'INTERNAL', host: '127.0.0.1', port: 0 },
        { name: 'EXTERNAL', host: '127.0.0.1', port: 0 },
      ],
    });
    for (const port of ports.values()) {
      // A plain HTTP/2 client sees what the server granted it: the stream window in the
      // server's SETTINGS, and the connection window as what it may send before an update.
      const session = connect(`http://127.0.0.1:${port}`);
      try {
        await new Promise<void>((resolve, reject) => {
          session.once('error', reject);
          session.once('remoteSettings', () => resolve());
        });
        await expect.poll(() => session.remoteSettings.initialWindowSize).toBe(SERVER_RECEIVE_WINDOW_BYTES);
        await expect.poll(() => session.state.remoteWindowSize).toBe(SERVER_RECEIVE_WINDOW_BYTES);
      } finally {
        session.destroy();
      }
    }
  });

  it('names the listener whose address cannot be bound', async () => {
    const echo: EchoHandler = (c, done) => done(null, c.request);
    const { port } = await serveEcho(echo);
    await expect(
      startGrpcServer({
        listeners: [{ name: 'EXTERNAL', host: '127.0.0.1', port }],
        services: [{ definition, handlers: { Echo: echo } }],
      }),
    ).rejects.toThrow(`listener EXTERNAL (127.0.0.1:${port})`);
  });
});
