import { ERROR_CODE_METADATA_KEY, ErrorCode, grpcRequestError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentService } from './instrument-service.js';
import { createMetricsRegistry } from './registry.js';
import { RequestMetrics } from './request-metrics.js';
import { bindLocal, call, ECHO_SERVICE, echoClient } from './testing/echo-service.js';

describe('instrumentService', () => {
  let server: grpc.Server | undefined;
  afterEach(() => server?.forceShutdown());

  it('counts every answered request by API and outcome, and times it, without changing the answer', async () => {
    const registry = createMetricsRegistry();
    const metrics = new RequestMetrics(registry, 'fjord_test');
    const seen: Array<[string, unknown, unknown]> = [];
    const handlers: grpc.UntypedServiceImplementation = {
      // Under the camelCase name, as some handler maps are written: still instrumented.
      echo: (call: grpc.ServerUnaryCall<{ n: number }, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        setTimeout(() => callback(null, { n: call.request.n + 1 }), 20),
      Fail: (
        call: grpc.ServerUnaryCall<{ kind: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        if (call.request.kind === 'fjord') {
          callback(
            grpcRequestError(grpc.status.INVALID_ARGUMENT, ErrorCode.INVALID_REQUIRED_ACKS, 'bad acks'),
          );
        } else {
          callback({ code: grpc.status.INTERNAL, details: 'bug' });
        }
      },
    };
    server = new grpc.Server();
    server.addService(
      ECHO_SERVICE,
      instrumentService(ECHO_SERVICE, handlers, {
        metrics,
        onSuccess: (api, request, response) => seen.push([api, request, response]),
      }),
    );
    const client = echoClient(await bindLocal(server));

    expect(await call(client, 'echo', { n: 1 })).toEqual({ error: null, response: { n: 2 } });
    await call(client, 'echo', { n: 5 });
    const fjordError = await call(client, 'fail', { kind: 'fjord' });
    expect(fjordError.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fjordError.error?.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([
      String(ErrorCode.INVALID_REQUIRED_ACKS),
    ]);
    expect((await call(client, 'fail', { kind: 'bug' })).error?.code).toBe(grpc.status.INTERNAL);
    client.close();

    const requests = await metrics.requests.get();
    const count = (api: string, outcome: string) =>
      requests.values.find((v) => v.labels.api === api && v.labels.outcome === outcome)?.value;
    expect(count('Echo', 'ok')).toBe(2);
    expect(count('Fail', 'INVALID_REQUIRED_ACKS')).toBe(1);
    expect(count('Fail', 'INTERNAL')).toBe(1);
    expect(requests.values).toHaveLength(3);

    const text = await registry.metrics();
    expect(text).toContain('fjord_test_request_duration_seconds_count{api="Echo"} 2');
    expect(text).toContain('fjord_test_request_duration_seconds_count{api="Fail"} 2');
    const sum = Number(/fjord_test_request_duration_seconds_sum\{api="Echo"\} ([\d.e-]+)/.exec(text)?.[1]);
    // Two answers delayed by 20 ms each (timers may fire a little early, never much).
    expect(sum).toBeGreaterThanOrEqual(0.035);
    expect(seen).toEqual([
      ['Echo', { n: 1 }, { n: 2 }],
      ['Echo', { n: 5 }, { n: 6 }],
    ]);
  });

  it('keeps a request that succeeded successful when the onSuccess hook throws', async () => {
    const metrics = new RequestMetrics(createMetricsRegistry(), 'fjord_test');
    server = new grpc.Server();
    server.addService(
      ECHO_SERVICE,
      instrumentService(
        ECHO_SERVICE,
        { Echo: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, { ok: true }) },
        {
          metrics,
          onSuccess: () => {
            throw new Error('hook bug');
          },
        },
      ),
    );
    const client = echoClient(await bindLocal(server));
    expect(await call(client, 'echo', {})).toEqual({ error: null, response: { ok: true } });
    client.close();
    expect((await metrics.requests.get()).values).toEqual([
      expect.objectContaining({ labels: { api: 'Echo', outcome: 'ok' }, value: 1 }),
    ]);
  });
});
