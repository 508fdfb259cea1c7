import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { passwordOf, scramMechanism } from './users.js';

const dir = mkdtempSync(join(tmpdir(), 'fjord-cli-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noStdin = Readable.from([]);

describe('users set: the password', () => {
  it('comes from --password, or the first line of --password-file or stdin without its newline', async () => {
    expect(await passwordOf({ mechanism: 'scram-sha-256', password: 'p w' }, noStdin)).toBe('p w');
    const file = join(dir, 'pw');
    writeFileSync(file, 's3cret\r\n');
    expect(await passwordOf({ mechanism: 'scram-sha-256', passwordFile: file }, noStdin)).toBe('s3cret');
    expect(
      await passwordOf(
        { mechanism: 'scram-sha-256', passwordFile: '-' },
        Readable.from(['from-', 'stdin\n']),
      ),
    ).toBe('from-stdin');
  });

  it('is refused when missing, given twice, empty, unreadable or several lines', async () => {
    const flags = { mechanism: 'scram-sha-256' as const };
    await expect(passwordOf(flags, noStdin)).rejects.toThrow(
      'give --password or --password-file (- for stdin), exactly one',
    );
    await expect(passwordOf({ ...flags, password: 'a', passwordFile: '-' }, noStdin)).rejects.toThrow(
      /exactly one/,
    );
    await expect(passwordOf({ ...flags, password: '' }, noStdin)).rejects.toThrow('the password is empty');
    await expect(passwordOf({ ...flags, passwordFile: join(dir, 'none') }, noStdin)).rejects.toThrow(
      /cannot read .* \(no such file\)/,
    );
    const two = join(dir, 'two');
    writeFileSync(two, 'a\nb\n');
    await expect(passwordOf({ ...flags, passwordFile: two }, noStdin)).rejects.toThrow(/more than one line/);
    await expect(passwordOf({ ...flags, passwordFile: '-' }, Readable.from(['\n']))).rejects.toThrow(
      /holds no password/,
    );
  });

  it('--mechanism takes scram-sha-256 and scram-sha-512 in any case', () => {
    expect(scramMechanism('SCRAM-SHA-512')).toBe('scram-sha-512');
    expect(() => scramMechanism('plain')).toThrow('expected scram-sha-256 or scram-sha-512.');
  });
});
