import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { helpText, settingHelp } from './help-text.js';
import { int, logLevel, port } from './settings.js';

const settings = z
  .object({
    nodeId: int(0).describe('id of this node'),
    port: port().default(7400).describe('gRPC port, 0 = ephemeral'),
    dataDir: z.string().optional().describe('data directory; defaults to ./data-<id>'),
    logLevel,
  })
  .strict();

describe('helpText', () => {
  it('lists every setting with its flag, variable, description and the schema default', () => {
    const text = helpText({
      command: 'fjord-node',
      synopsis: '--node-id <id> [options]',
      summary: 'A node.',
      settings,
    });
    expect(text).toContain('Usage: fjord-node --node-id <id> [options]');
    expect(text).toMatch(/--node-id <value> +id of this node \(required\)\n +env FJORD_NODE_ID/);
    expect(text).toMatch(/--port <value> +gRPC port, 0 = ephemeral \(default 7400\)\n +env FJORD_PORT/);
    expect(text).toMatch(/--data-dir <value> +data directory; defaults to \.\/data-<id>\n/);
    expect(text).toMatch(
      /--log-level <value> +log level \(one of trace\|debug\|info\|warn\|error; default info\)/,
    );
    expect(text).toContain('--config <file>');
    expect(text).toContain('--print-config');
  });

  it('reads the default through .describe() and .default() in either order', () => {
    expect(settingHelp('a', int(0).describe('a').default(5))).toMatchObject({
      defaultValue: '5',
      description: 'a',
    });
    expect(settingHelp('b', int(0).default(6).describe('b'))).toMatchObject({
      defaultValue: '6',
      description: 'b',
    });
  });

  it('refuses a setting without a description, naming it', () => {
    expect(() => settingHelp('mystery', int(0).default(1))).toThrow(
      'setting "mystery" has no .describe() text',
    );
  });
});
