import { ERROR_CODE_METADATA_KEY, ErrorCode, grpcRequestError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from './invalid-request-error.js';
import { unaryHandler } from './unary-handler.js';

const logger = pino({ level: 'silent' });

/** Invokes a grpc-js unary handler with a minimal call object and resolves with its callback arguments. */
function invoke<Req, Res>(handler: grpc.handleUnaryCall<Req, Res>, request: Req, extra: object = {}) {
  return new Promise<{ error: grpc.ServiceError | null; response: Res | undefined }>((resolve) => {
    const callObject = { request, ...extra } as grpc.ServerUnaryCall<Req, Res>;
    handler(callObject, (error, response) => {
      resolve({ error: error as grpc.ServiceError | null, response: response ?? undefined });
    });
  });
}

describe('unaryHandler', () => {
  it('passes the response through', async () => {
    const { error, response } = await invoke(
      unaryHandler(logger, 'Echo', (req: { n: number }) => ({ n: req.n + 1 })),
      { n: 1 },
    );
    expect(error).toBeNull();
    expect(response).toEqual({ n: 2 });
  });

  it('turns a malformed request into INVALID_ARGUMENT with INVALID_REQUEST in the trailer', async () => {
    const { error } = await invoke(
      unaryHandler(logger, 'Bad', async () => {
        throw new InvalidRequestError('broker_epoch must be an integer');
      }),
      {},
    );
    expect(error!.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error!.details).toBe('broker_epoch must be an integer');
    expect(error!.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.INVALID_REQUEST)]);
  });

  it('turns an unexpected exception into INTERNAL / UNKNOWN_SERVER_ERROR, not a crash', async () => {
    const { error } = await invoke(
      unaryHandler(logger, 'Boom', () => {
        throw new Error('disk on fire');
      }),
      {},
    );
    expect(error!.code).toBe(grpc.status.INTERNAL);
    expect(error!.details).toMatch(/Boom failed: disk on fire/);
    expect(error!.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.UNKNOWN_SERVER_ERROR)]);
  });

  it('passes an error that carries a Fjord code through unchanged', async () => {
    const notLeader = grpcRequestError(
      grpc.status.FAILED_PRECONDITION,
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      'moved',
    );
    const { error } = await invoke(
      unaryHandler(logger, 'Produce', async () => {
        throw notLeader;
      }),
      {},
    );
    expect(error).toBe(notLeader);
  });

  it('answers a gRPC error without a Fjord code as a bug: INTERNAL / UNKNOWN_SERVER_ERROR', async () => {
    const downstream = Object.assign(new Error('14 UNAVAILABLE: no connection'), {
      code: grpc.status.UNAVAILABLE,
      details: 'no connection',
      metadata: new grpc.Metadata(),
    });
    const { error } = await invoke(
      unaryHandler(logger, 'AlterPartition', async () => {
        throw downstream;
      }),
      {},
    );
    expect(error!.code).toBe(grpc.status.INTERNAL);
    expect(error!.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.UNKNOWN_SERVER_ERROR)]);
  });

  it('gives the handler the call, e.g. to see it cancelled', async () => {
    const { response } = await invoke(
      unaryHandler(logger, 'Fetch', (_req: object, call) => ({ cancelled: call.cancelled })),
      {},
      { cancelled: true },
    );
    expect(response).toEqual({ cancelled: true });
  });

  it('logs the unexpected error with its method', async () => {
    const lines: unknown[] = [];
    const recording = { error: (fields: object, message: string) => lines.push({ ...fields, message }) };
    const bug = new Error('bug');
    await invoke(
      unaryHandler(recording, 'ListTopics', () => {
        throw bug;
      }),
      {},
    );
    expect(lines).toEqual([{ err: bug, method: 'ListTopics', message: 'request failed unexpectedly' }]);
  });
});
