import {
  Compression,
  DEFAULT_DECOMPRESSION_BUDGET_BYTES,
  ErrorCode,
  encodeRecordBatch,
  parseTopicConfig,
} from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import { validateProduceRequest } from './batch-validation.js';

const config = parseTopicConfig({ 'max.message.bytes': String(8 << 20) });

/** An lz4 batch of `count` 1000-byte values: tiny compressed, ~1 MiB per 1000 records decompressed. */
function compressible(count: number): Buffer {
  const records = Array.from({ length: count }, () => ({
    key: null,
    value: Buffer.alloc(1000, 'x'),
    timestamp: Date.now(),
  }));
  return encodeRecordBatch({ records, compression: Compression.Lz4 });
}

describe('validateProduceRequest', () => {
  it('yields to the event loop between compressed batches of a large request', async () => {
    const batch = compressible(2000);
    const records = Buffer.concat(Array.from({ length: 20 }, () => batch));
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      const [result] = await validateProduceRequest(
        [{ topic: 't', partition: 0, records, config }],
        Date.now(),
      );
      expect(result).toMatchObject({ ok: true });
      // 40 MiB decompressed and walked: far longer than one slice, so other work got turns.
      expect(turns).toBeGreaterThan(0);
    } finally {
      clearInterval(ticker);
    }
  });

  it('shares one decompression budget between all partitions of the request', async () => {
    const batch = compressible(7000); // ~7 MiB decompressed
    const perPartition = Buffer.concat(Array.from({ length: 5 }, () => batch)); // ~35 MiB
    const parts = [0, 1].map((partition) => ({ topic: 't', partition, records: perPartition, config }));
    const [first, second] = await validateProduceRequest(parts, Date.now());
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: false, errorCode: ErrorCode.MESSAGE_TOO_LARGE });
    expect(second!.ok || second!.errorMessage).toMatch(
      new RegExp(`^t/1 batch 4 .*more than ${DEFAULT_DECOMPRESSION_BUDGET_BYTES} bytes in total`),
    );
  });

  it('skips partitions that are not led here', async () => {
    expect(await validateProduceRequest([undefined], Date.now())).toEqual([undefined]);
  });
});
