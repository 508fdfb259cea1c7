import { describe, expect, it } from 'vitest';
import { FrameSplitter } from './framing.js';

const frame = (body: string) => {
  const bytes = Buffer.from(body);
  const out = Buffer.alloc(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
};

describe('FrameSplitter', () => {
  it('yields frames split across and packed into chunks', () => {
    const splitter = new FrameSplitter(100);
    const stream = Buffer.concat([frame('hello'), frame(''), frame('world!')]);
    const frames: string[] = [];
    for (let i = 0; i < stream.length; i += 3) {
      for (const f of splitter.push(stream.subarray(i, i + 3))) frames.push(f.toString());
    }
    expect(frames).toEqual(['hello', '', 'world!']);
    expect(splitter.buffered).toBe(0);
  });

  it('refuses a size beyond the cap as soon as the prefix arrives, holding no more than it', () => {
    const splitter = new FrameSplitter(100);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(101, 0);
    expect(() => splitter.push(prefix)).toThrow(/frame size 101 is outside 0..100/);
  });

  it('refuses a negative size', () => {
    const splitter = new FrameSplitter(100);
    expect(() => splitter.push(Buffer.from('ffffffff', 'hex'))).toThrow(/frame size -1/);
  });
});
