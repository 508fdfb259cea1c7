import { describe, expect, it } from 'vitest';
import { checkHistory, type HistoryEvent, parseHistory, percentile, verdictOf } from './checker.js';

const send = (id: string, seq: number, key = 'k', producer = 0): HistoryEvent => ({
  type: 'send',
  id,
  producer,
  key,
  value: `value-${id}`,
  seq,
  t: seq,
});
const ack = (id: string, offset: number, t: number, partition = 0): HistoryEvent => ({
  type: 'ack',
  id,
  partition,
  offset: String(offset),
  t,
});
const final = (id: string, offset: number, partition = 0): HistoryEvent => ({
  type: 'read',
  source: 'final',
  partition,
  offset: String(offset),
  value: `value-${id}`,
});

describe('history checker', () => {
  it('passes a clean history', () => {
    const r = checkHistory([
      send('a', 0),
      send('b', 1),
      ack('a', 0, 10),
      ack('b', 1, 11),
      final('a', 0),
      final('b', 1),
    ]);
    expect(r).toMatchObject({
      sent: 2,
      acked: 2,
      lost: [],
      duplicated: [],
      moved: [],
      reordered: [],
      visibleThenGone: [],
    });
  });

  it('reports a lost acknowledged record, but not a failed (indeterminate) one', () => {
    const r = checkHistory([
      send('a', 0),
      send('b', 1),
      ack('a', 0, 10),
      { type: 'fail', id: 'b', error: 'timeout', t: 20 },
      final('x', 0),
    ]);
    expect(r.lost).toEqual(['a']);
    expect(r.failed).toBe(1);
  });

  it('reports duplicates and moved records', () => {
    const r = checkHistory([send('a', 0), ack('a', 0, 10), final('a', 0), final('a', 1)]);
    expect(r.duplicated).toEqual(['value-a']);
    const m = checkHistory([send('a', 0), ack('a', 0, 10), final('z', 0), final('a', 1)]);
    expect(m.moved).toEqual([{ id: 'a', acked: '0:0', found: '0:1' }]);
  });

  it('reports per-key reordering of one producer', () => {
    const r = checkHistory([
      send('a', 0),
      send('b', 1),
      ack('a', 5, 10),
      ack('b', 4, 11),
      final('b', 4),
      final('a', 5),
    ]);
    expect(r.reordered).toEqual([{ producer: 0, key: 'k', ids: ['a', 'b'] }]);
    // Other keys or producers do not constrain each other.
    const other = checkHistory([
      send('a', 0, 'k1'),
      send('b', 1, 'k2'),
      ack('a', 5, 10),
      ack('b', 4, 11),
      final('b', 4),
      final('a', 5),
    ]);
    expect(other.reordered).toEqual([]);
  });

  it('reports a record visible to a consumer and later gone', () => {
    const r = checkHistory([
      { type: 'read', source: 'poll', partition: 0, offset: '3', value: 'value-x' },
      final('y', 3),
    ]);
    expect(r.visibleThenGone).toEqual([{ at: '0:3', seen: 'value-x', final: 'value-y' }]);
  });

  it('measures failover from the last ack before a fault to the first ack after it', () => {
    const r = checkHistory([
      ack('a', 0, 100),
      { type: 'fault', action: 'kill', broker: 1, t: 150 },
      ack('b', 1, 1_100),
      { type: 'fault', action: 'pause', broker: 2, t: 1_200 },
      ack('c', 2, 4_100),
    ]);
    expect(r.failoverMs).toEqual([1_000, 3_000]);
    expect(r.failoverP50Ms).toBe(1_000);
    expect(r.failoverP99Ms).toBe(3_000);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('measures failover from link cuts too, and not from heals, restarts or wipes', () => {
    const r = checkHistory([
      ack('a', 0, 100),
      { type: 'fault', action: 'cut', target: 'broker-1|broker-2', t: 200 },
      ack('b', 1, 2_100),
      { type: 'fault', action: 'heal', target: 'broker-1|broker-2', t: 2_200 },
      { type: 'fault', action: 'wipe', broker: 3, t: 2_300 },
      { type: 'fault', action: 'isolate', broker: 3, t: 2_400 },
      ack('c', 2, 2_600),
    ]);
    expect(r.failoverMs).toEqual([2_000, 500]);
  });

  it('gives the verdict PASS only without anomalies and with identical replicas', () => {
    const clean = checkHistory([send('a', 0), ack('a', 0, 10), final('a', 0)]);
    expect(verdictOf(clean, [true, true])).toBe('PASS');
    expect(verdictOf(clean, [true, false])).toBe('FAIL');
    const lost = checkHistory([send('a', 0), ack('a', 0, 10), final('x', 0)]);
    expect(verdictOf(lost, [true])).toBe('FAIL');
  });

  it('parses JSONL', () => {
    expect(
      parseHistory(`${JSON.stringify(send('a', 0))}\n\n${JSON.stringify(ack('a', 0, 1))}\n`),
    ).toHaveLength(2);
  });
});
