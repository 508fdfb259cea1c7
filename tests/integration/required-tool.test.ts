import { afterEach, describe, expect, it, vi } from 'vitest';
import { missingTool } from './required-tool.js';

// How a test that needs a tool npm test cannot install behaves on a user's machine (skipped,
// with the reason) and in CI (fails loudly): the compose-file check and the bench smoke test
// rely on it, and CI itself always has the tools, so this is where the user's case is shown.
describe('missingTool', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('names the missing tool and how to install it, and prints it, when CI is not set', () => {
    vi.stubEnv('PATH', '/nonexistent');
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const reason = missingTool('docker-compose', 'apt-get install docker-compose');
    expect(reason).toBe(
      'docker-compose is not on PATH (install it with: apt-get install docker-compose; .ci/run does)',
    );
    expect(warn).toHaveBeenCalledWith(`skipped: ${reason}`);
  });

  it('throws under CI=true, so a broken CI setup fails instead of skipping', () => {
    vi.stubEnv('PATH', '/nonexistent');
    vi.stubEnv('CI', 'true');
    expect(() => missingTool('docker-compose', 'apt-get install docker-compose')).toThrow(
      /^CI=true: docker-compose is not on PATH/,
    );
  });

  it('finds a tool that is on PATH', () => {
    expect(missingTool('sh', 'apt-get install dash')).toBeUndefined();
  });
});
