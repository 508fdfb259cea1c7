import { Counter, register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './registry.js';

describe('createMetricsRegistry', () => {
  it('gives each process its own registry with the default process metrics, never the global one', async () => {
    const a = createMetricsRegistry();
    const b = createMetricsRegistry();
    const counter = new Counter({ name: 'fjord_test_things_total', help: 'things', registers: [a] });
    counter.inc(3);

    const textA = await a.metrics();
    expect(textA).toContain('fjord_test_things_total 3');
    expect(textA).toMatch(/^process_cpu_user_seconds_total /m);
    expect(textA).toMatch(/^nodejs_heap_size_used_bytes /m);
    const textB = await b.metrics();
    expect(textB).not.toContain('fjord_test_things_total');
    expect(textB).toMatch(/^process_resident_memory_bytes /m);
    // A second process registry did not clash with the first (same default metric names),
    // and nothing went to prom-client's global registry.
    expect(globalRegistry.getMetricsAsArray()).toHaveLength(0);
  });
});
