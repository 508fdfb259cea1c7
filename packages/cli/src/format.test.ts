import { describe, expect, it } from 'vitest';
import { renderTopic } from './commands/topics.js';
import { formatLogLine, useColor } from './dev-log.js';
import { bytes, configList, duration, idList, plural, table } from './format.js';

describe('format helpers', () => {
  it('table pads columns and leaves no trailing blanks', () => {
    expect(
      table(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['q', ''],
        ],
      ),
    ).toBe('A    LONG\nxyz  1\nq');
  });

  it('small helpers', () => {
    expect(idList([1, 2, 3])).toBe('1,2,3');
    expect(idList([])).toBe('-');
    expect(configList({ b: '2', a: '1' })).toBe('a=1, b=2');
    expect(duration(850)).toBe('850 ms');
    expect(duration(2400)).toBe('2.4 s');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(3 * 1024 + 205)).toBe('3.2 KiB');
    expect(plural(1, 'record')).toBe('1 record');
    expect(plural(2n, 'batch', 'batches')).toBe('2 batches');
  });

  it('renders a topic description', () => {
    const text = renderTopic({
      name: 'orders',
      id: 'id-1',
      configs: { 'retention.ms': '1000' },
      partitions: [
        { partition: 0, leader: 1, replicas: [1], isr: [1], elr: [], leaderEpoch: 0 },
        { partition: 1, leader: -1, replicas: [2, 3], isr: [], elr: [3], leaderEpoch: 3 },
      ],
    });
    expect(text).toBe(
      [
        'Topic: orders  Id: id-1  Partitions: 2  Replication factor: 1',
        'Configs: retention.ms=1000',
        '  PARTITION  LEADER  REPLICAS  ISR  ELR  LEADER EPOCH',
        '  0          1       1         1    -    0',
        '  1          none    2,3       -    3    3',
      ].join('\n'),
    );
  });
});

describe('dev log lines', () => {
  const plain = { color: false, nameWidth: 11 };

  it('shows level, msg and the fields, not the pino boilerplate', () => {
    const event = {
      level: 30,
      time: 1,
      pid: 2,
      hostname: 'h',
      component: 'broker',
      nodeId: 'broker-1',
      msg: 'registered',
      brokerId: 1,
      brokerEpoch: '3',
    };
    expect(formatLogLine('broker-1', JSON.stringify(event), event, plain)).toBe(
      '[broker-1]    INFO  registered brokerId=1 brokerEpoch=3',
    );
  });

  it('quotes strings with spaces, shows error messages and passes other lines through', () => {
    const event = { level: 50, msg: 'failed', err: { message: 'disk full', stack: '...' }, note: 'a b' };
    expect(formatLogLine('coordinator', '', event, plain)).toBe(
      '[coordinator] ERROR failed err="disk full" note="a b"',
    );
    expect(formatLogLine('broker-2', 'Error: boom', undefined, plain)).toBe('[broker-2]    Error: boom');
  });

  it('colours only terminals, and honours NO_COLOR and FORCE_COLOR', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  });
});
