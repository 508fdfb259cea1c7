import { ErrorCode, type v1 } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import type { TopicAccess } from '../access/topic-access.js';
import { commitAllowedTopics, withoutHiddenTopics } from './topic-denials.js';

/** May use and see `allowed.*`, nothing else. */
const access: TopicAccess = {
  denied: (name) =>
    name.startsWith('allowed.')
      ? undefined
      : {
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          errorMessage: `not authorized to read topic "${name}"`,
        },
  mayList: (name) => name.startsWith('allowed.'),
};

const topic = (name: string, partitions: number[]): v1.OffsetCommitTopic__Output => ({
  topic: name,
  partitions: partitions.map((partition) => ({ partition, offset: '5', metadata: '' })),
});

describe('topic denials of group calls', () => {
  it('commit the allowed topics only and answer each partition of a denied one', async () => {
    const seen: string[] = [];
    const answer = await commitAllowedTopics(
      { groupId: 'g', topics: [topic('allowed.a', [0]), topic('secret', [0, 1])] },
      access,
      async (allowed) => {
        seen.push(...allowed.topics.map((t) => t.topic));
        return {
          errorCode: 0,
          errorMessage: '',
          topics: [{ topic: 'allowed.a', partitions: [{ partition: 0, errorCode: 0, errorMessage: '' }] }],
        };
      },
    );
    expect(seen).toEqual(['allowed.a']);
    expect(answer.topics).toEqual([
      { topic: 'allowed.a', partitions: [{ partition: 0, errorCode: 0, errorMessage: '' }] },
      {
        topic: 'secret',
        partitions: [0, 1].map((partition) => ({
          partition,
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          errorMessage: 'not authorized to read topic "secret"',
        })),
      },
    ]);
  });

  it('leave topics the caller may not describe out of fetched offsets', () => {
    const offsets = ['allowed.a', 'secret'].map((t) => ({
      topic: t,
      partition: 0,
      offset: '1',
      metadata: '',
    }));
    expect(withoutHiddenTopics({ errorCode: 0, errorMessage: '', offsets }, access).offsets).toEqual([
      offsets[0],
    ]);
  });
});
