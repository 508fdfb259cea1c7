import { describe, expect, it } from 'vitest';
import * as sdk from './index.js';
import * as internal from './internal.js';

describe('the entry points', () => {
  it('@fjord/sdk exports every wire error class under its own name', () => {
    expect(internal.ERROR_CLASSES.size).toBeGreaterThan(40);
    for (const cls of internal.ERROR_CLASSES.values()) {
      expect((sdk as Record<string, unknown>)[cls.name], cls.name).toBe(cls);
    }
  });

  it('@fjord/sdk keeps the building blocks out; @fjord/sdk/internal has them and everything public', () => {
    for (const name of ['protocolError', 'fromGrpcError', 'ERROR_CLASSES', 'FJORD_OPTIONS_SCHEMA', 'retry']) {
      expect(sdk, name).not.toHaveProperty(name);
      expect(internal, name).toHaveProperty(name);
    }
    for (const [name, value] of Object.entries(sdk))
      expect((internal as Record<string, unknown>)[name]).toBe(value);
  });
});
