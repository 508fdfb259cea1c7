import * as grpc from '@grpc/grpc-js';

/**
 * A tiny JSON-over-gRPC service for this package's tests: real grpc-js server and client,
 * without a proto file.
 */
export const ECHO_SERVICE: grpc.ServiceDefinition = {
  Echo: method('/test.v1.EchoService/Echo', 'echo'),
  Fail: method('/test.v1.EchoService/Fail', 'fail'),
};

function method(path: string, originalName: string): grpc.MethodDefinition<unknown, unknown> {
  const serialize = (value: unknown) => Buffer.from(JSON.stringify(value));
  const deserialize = (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown;
  return {
    path,
    originalName,
    requestStream: false,
    responseStream: false,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  };
}

/** A client of {@link ECHO_SERVICE}. */
export type EchoClient = grpc.Client & {
  echo(request: unknown, callback: (error: grpc.ServiceError | null, response?: unknown) => void): void;
  fail(request: unknown, callback: (error: grpc.ServiceError | null, response?: unknown) => void): void;
};

/** Binds `server` on an ephemeral 127.0.0.1 port and resolves with the address. */
export function bindLocal(server: grpc.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(`127.0.0.1:${port}`),
    );
  });
}

/** A client of {@link ECHO_SERVICE} at `address`. */
export function echoClient(address: string): EchoClient {
  const Client = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'EchoService');
  return new Client(address, grpc.credentials.createInsecure()) as unknown as EchoClient;
}

/** Calls a unary method of the echo client and resolves with the response or the error. */
export function call(
  client: EchoClient,
  method: 'echo' | 'fail',
  request: unknown,
): Promise<{ error: grpc.ServiceError | null; response?: unknown }> {
  return new Promise((resolve) => client[method](request, (error, response) => resolve({ error, response })));
}
