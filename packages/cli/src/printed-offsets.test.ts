import { describe, expect, it } from 'vitest';
import { PrintedOffsets } from './printed-offsets.js';

describe('PrintedOffsets', () => {
  it('offers the offset after the last printed record per partition, once', () => {
    const printed = new PrintedOffsets();
    printed.printed({ topic: 't', partition: 0, offset: 4n });
    printed.printed({ topic: 't', partition: 0, offset: 5n });
    printed.printed({ topic: 't', partition: 1, offset: 0n });
    expect(printed.pending()).toEqual([
      { topic: 't', partition: 0, offset: 6n },
      { topic: 't', partition: 1, offset: 1n },
    ]);
    printed.committed(printed.pending());
    expect(printed.pending()).toEqual([]);
    printed.printed({ topic: 't', partition: 1, offset: 1n });
    expect(printed.pending()).toEqual([{ topic: 't', partition: 1, offset: 2n }]);
  });

  it('never moves backwards, filters by partition and forgets partitions that left', () => {
    const printed = new PrintedOffsets();
    printed.printed({ topic: 't', partition: 0, offset: 9n });
    printed.printed({ topic: 't', partition: 0, offset: 3n });
    printed.printed({ topic: 't', partition: 2, offset: 1n });
    expect(printed.pending([{ topic: 't', partition: 0 }])).toEqual([
      { topic: 't', partition: 0, offset: 10n },
    ]);
    printed.forget([{ topic: 't', partition: 0 }]);
    expect(printed.pending()).toEqual([{ topic: 't', partition: 2, offset: 2n }]);
  });
});
