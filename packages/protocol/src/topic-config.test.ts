import { describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from './errors.js';
import {
  assertValidTopicName,
  parseTopicConfig,
  renderTopicConfig,
  TOPIC_CONFIG_NAMES,
  TOPIC_CONFIG_SCHEMA,
  topicNameProblem,
} from './topic-config.js';

function configError(overrides: Record<string, string>): ProtocolError {
  try {
    parseTopicConfig(overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(ErrorCode.INVALID_CONFIG);
    return err as ProtocolError;
  }
  return expect.fail('expected INVALID_CONFIG');
}

describe('topic names', () => {
  it.each(['a', 'orders', 'Orders.v2', 'my_topic-1', '...', '__consumer_offsets', 'a'.repeat(249)])(
    'accepts %j',
    (name) => {
      expect(topicNameProblem(name)).toBeUndefined();
      expect(() => assertValidTopicName(name)).not.toThrow();
    },
  );

  it.each([
    ['', /non-empty/],
    ['.', /not allowed/],
    ['..', /not allowed/],
    ['a'.repeat(250), /250 characters/],
    ['a b', /may contain only/],
    ['x/y', /may contain only/],
    ['é', /may contain only/],
    ['tab\t', /may contain only/],
    ['constructor', /"constructor" is reserved \(it names a member of JavaScript's Object.prototype\)/],
    ['__proto__', /reserved/],
    ['toString', /reserved/],
  ])('rejects %j', (name, problem) => {
    expect(topicNameProblem(name)).toMatch(problem);
    try {
      assertValidTopicName(name);
      expect.fail('expected INVALID_TOPIC_EXCEPTION');
    } catch (err) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
      expect((err as ProtocolError).message).toMatch(problem);
    }
  });

  it.each([undefined, null, 5, {}])('rejects the non-string %j', (name) => {
    expect(topicNameProblem(name)).toMatch(/non-empty string/);
  });
});

describe('parseTopicConfig', () => {
  it('fills Kafka defaults for an empty override map', () => {
    expect(parseTopicConfig({})).toEqual({
      'retention.ms': 604_800_000,
      'retention.bytes': -1,
      'max.message.bytes': 1_048_576,
      'min.insync.replicas': 1,
      'cleanup.policy': 'delete',
      'message.timestamp.type': 'CreateTime',
      'message.timestamp.before.max.ms': Number.MAX_SAFE_INTEGER,
      'message.timestamp.after.max.ms': 3_600_000,
      'producer.id.expiration.ms': 86_400_000,
      'unclean.leader.election.enable': false,
    });
  });

  it('parses every supported override', () => {
    expect(
      parseTopicConfig({
        'retention.ms': '-1',
        'retention.bytes': '1073741824',
        'max.message.bytes': '0',
        'min.insync.replicas': '2',
        'cleanup.policy': 'delete',
        'message.timestamp.type': 'LogAppendTime',
        'message.timestamp.before.max.ms': '9223372036854775807',
        'message.timestamp.after.max.ms': '0',
        'producer.id.expiration.ms': '60000',
        'unclean.leader.election.enable': 'true',
      }),
    ).toEqual({
      'retention.ms': -1,
      'retention.bytes': 1_073_741_824,
      'max.message.bytes': 0,
      'min.insync.replicas': 2,
      'cleanup.policy': 'delete',
      'message.timestamp.type': 'LogAppendTime',
      'message.timestamp.before.max.ms': Number.MAX_SAFE_INTEGER,
      'message.timestamp.after.max.ms': 0,
      'producer.id.expiration.ms': 60_000,
      'unclean.leader.election.enable': true,
    });
  });

  it.each([
    ['retention.ms', 'abc', /must be an integer/],
    ['retention.ms', '1.5', /must be an integer/],
    ['retention.ms', ' 5', /must be an integer/],
    ['retention.ms', '', /must be an integer/],
    ['retention.ms', '-2', />= -1/],
    ['retention.bytes', '-2', />= -1/],
    ['max.message.bytes', '-1', />= 0/],
    ['min.insync.replicas', '0', />= 1/],
    ['retention.ms', '99999999999999999999', /retention\.ms/],
    ['cleanup.policy', 'compact', /cleanup\.policy="compact"/],
    ['message.timestamp.type', 'createtime', /message\.timestamp\.type/],
    ['message.timestamp.after.max.ms', '-1', /must be an integer >= 0/],
    ['message.timestamp.before.max.ms', '1h', /must be an integer >= 0/],
    ['unclean.leader.election.enable', 'TRUE', /unclean\.leader\.election\.enable="TRUE"/],
    ['producer.id.expiration.ms', '0', /producer\.id\.expiration\.ms="0"/],
  ])('rejects %s=%j with INVALID_CONFIG', (key, value, message) => {
    expect(configError({ [key]: value }).message).toMatch(message);
  });

  it('rejects unknown keys, naming them', () => {
    expect(configError({ 'segment.bytes': '1', bogus: 'x' }).message).toMatch(
      /unknown config "segment.bytes", "bogus"/,
    );
  });

  it('names every bad key at once', () => {
    const { message } = configError({ 'retention.ms': 'x', 'min.insync.replicas': '0', nope: '1' });
    expect(message).toMatch(/^invalid topic config: /);
    expect(message).toContain('retention.ms="x"');
    expect(message).toContain('min.insync.replicas="0"');
    expect(message).toContain('unknown config "nope"');
  });
});

describe('renderTopicConfig', () => {
  it('renders strings that parse back to the same config', () => {
    const config = parseTopicConfig({ 'retention.ms': '1000', 'unclean.leader.election.enable': 'true' });
    const rendered = renderTopicConfig(config);
    expect(rendered['retention.ms']).toBe('1000');
    expect(rendered['unclean.leader.election.enable']).toBe('true');
    expect(Object.values(rendered).every((v) => typeof v === 'string')).toBe(true);
    expect(parseTopicConfig(rendered)).toEqual(config);
  });
});

describe('TOPIC_CONFIG_NAMES', () => {
  it('lists exactly the schema keys', () => {
    expect([...TOPIC_CONFIG_NAMES].sort()).toEqual(Object.keys(TOPIC_CONFIG_SCHEMA.shape).sort());
    expect(TOPIC_CONFIG_NAMES).toHaveLength(10);
  });
});
