import { ERROR_CODE_METADATA_KEY, ErrorCode } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from './invalid-request-error.js';
import { unaryHandler } from './unary-handler.js';

const logger = pino({ level: 'silent' });

/** Invokes a grpc-js unary handler with a minimal call object and resolves with its callback arguments. */
function invoke<Req, Res>(handler: grpc.handleUnaryCall<Req, Res>, request: Req) {
  return new Promise<{ error: grpc.ServiceError | null; response: Res | undefined }>((resolve) => {
    const callObject = { request } as grpc.ServerUnaryCall<Req, Res>;
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
});
