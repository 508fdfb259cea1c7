import { describe, expect, it } from 'vitest';
import { leakedEpochs } from './verdict.js';

describe('leakedEpochs', () => {
  it('finds a live epoch in a message, unless the request carried it', () => {
    const message = 'broker 1 epoch 511 is not the current 512';
    expect(leakedEpochs([message], [512n], { brokerEpoch: '511' })).toEqual([512n]);
    expect(leakedEpochs([message], [512n], { brokerEpoch: '512' })).toEqual([]);
  });

  it('ignores the positions protobufjs reports in a body that does not decode', () => {
    // Seen in a fuzz run: an undecodable ClassicOffsetCommit while the live epoch was 512.
    const prefix = 'ClassicOffsetCommit request is not a valid protobuf message of its type: ';
    expect(leakedEpochs([`${prefix}index out of range: 512 + 1 > 512`], [512n], undefined)).toEqual([]);
    expect(leakedEpochs([`${prefix}invalid wire type 7 at offset 512`], [512n], undefined)).toEqual([]);
  });
});
