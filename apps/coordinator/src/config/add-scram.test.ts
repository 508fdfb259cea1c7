import { createScramCredential, SCRAM_SHA_256, SCRAM_SHA_512 } from '@fjord/security';
import { loadConfig } from '@fjord/server-kit';
import { describe, expect, it } from 'vitest';
import { parseAddScram } from './add-scram.js';
import { COORDINATOR_CONFIG_SCHEMA, COORDINATOR_SETTINGS } from './config-schema.js';

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ settings: COORDINATOR_SETTINGS, schema: COORDINATOR_CONFIG_SCHEMA, argv, env });

describe('--add-scram', () => {
  it("parses kafka-storage.sh's syntax, several entries, quoted values, iterations and salt", () => {
    const salt = Buffer.from('fixed-salt').toString('base64');
    const parsed = parseAddScram(
      `SCRAM-SHA-256=[name=admin,password=admin-secret],SCRAM-SHA-512=[name=alice,password="a,b]c",iterations=8192,salt=${salt}]`,
    );
    expect(parsed.map((c) => [c.user, c.credential.mechanism.name, c.credential.iterations])).toEqual([
      ['admin', 'SCRAM-SHA-256', 4096],
      ['alice', 'SCRAM-SHA-512', 8192],
    ]);
    expect(parsed[1]!.credential).toEqual(
      createScramCredential(SCRAM_SHA_512, 'a,b]c', { salt: Buffer.from('fixed-salt'), iterations: 8192 }),
    );
    expect(parsed[0]!.credential.mechanism).toBe(SCRAM_SHA_256);
  });

  it.each([
    ['SCRAM-SHA-1=[name=a,password=b]', /unknown SCRAM mechanism 'SCRAM-SHA-1'/],
    ['SCRAM-SHA-256=[name=a]', /entry 1 \(a\): password= is missing/],
    ['SCRAM-SHA-256=[password=hunter2]', /entry 1: name= is missing/],
    ['SCRAM-SHA-256=[name=a,password=hunter2,iterations=100]', /iterations must be an integer from 4096/],
    ['SCRAM-SHA-256=[name=a,password=hunter2,color=red]', /got 'color'/],
    ['SCRAM-SHA-256=[name=a,password=x],SCRAM-SHA-256=[name=a,password=y]', /given twice/],
    ['name=a,password=hunter2', /must look like SCRAM-SHA-256=/],
  ])('refuses %s with a clear error that never shows the password', (text, problem) => {
    expect(() => parseAddScram(text)).toThrow(problem);
    const result = load(['--add-scram', text]);
    expect(result.kind).toBe('invalid');
    const problems = result.kind === 'invalid' ? result.problems.join('\n') : '';
    expect(problems).toMatch(/--add-scram \/ FJORD_ADD_SCRAM/);
    expect(problems).not.toContain('hunter2');
  });

  it('is read from FJORD_ADD_SCRAM and printed without password, salt or keys', () => {
    const result = load([], { FJORD_ADD_SCRAM: 'SCRAM-SHA-512=[name=admin,password=admin-secret]' });
    if (result.kind !== 'ok') throw new Error(`config refused: ${JSON.stringify(result)}`);
    const printed = JSON.stringify(result.config);
    expect(printed).toContain(
      '"addScram":[{"mechanism":"SCRAM-SHA-512","name":"admin","iterations":4096,"password":"***"}]',
    );
    expect(printed).not.toContain('admin-secret');
    const { storedKey, salt } = result.config.addScram[0]!.credential;
    expect(printed).not.toContain(storedKey.toString('base64'));
    expect(printed).not.toContain(salt.toString('base64'));
  });
});
