import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeProcess } from './node-process.js';
import { trackedChildCount } from './registry.js';

// The launcher is tested against tiny stand-in scripts, so these tests run without the apps.
const dir = mkdtempSync(join(tmpdir(), 'fjord-testkit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

const listens = script(
  'listens.mjs',
  // The SIGTERM handler goes in before `listening`, as in the real apps: a caller may stop the
  // node as soon as it has read that line.
  `process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'bye' })); process.exit(0); });
const port = Number(process.argv[process.argv.indexOf('--port') + 1]) || 40000 + (process.pid % 1000);
console.log(JSON.stringify({ level: 30, msg: 'listening', port, host: '127.0.0.1' }));
console.error('a line on stderr');
setInterval(() => {}, 1000);`,
);

describe('NodeProcess', () => {
  it('learns the bound port from the listening line and logs to its file', async () => {
    const logFile = join(dir, 'listens.log');
    const node = await NodeProcess.start({ name: 'fake', entry: listens, dataDir: join(dir, 'd1'), logFile });
    expect(node.port).toBe(40000 + (node.pid % 1000));
    expect(node.running).toBe(true);
    await node.stop();
    expect(node.running).toBe(false);
    expect(node.exitInfo).toEqual({ code: 0, signal: null });
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('"msg":"listening"');
    expect(log).toContain('a line on stderr');
    expect(log).toContain('"msg":"bye"');
    // stdout and stderr are separate pipes: their relative order is not defined.
    expect(node.recentLogs(10)).toContain('{"msg":"bye"}');
    expect(node.recentLogs(10)).toContain('a line on stderr');
  });

  it('restarts on the port it bound first', async () => {
    const node = await NodeProcess.start({ name: 'fake', entry: listens, dataDir: join(dir, 'd2') });
    const firstPid = node.pid;
    const firstPort = node.port;
    await node.kill();
    expect(node.exitInfo?.signal).toBe('SIGKILL');
    await node.restart();
    expect(node.pid).not.toBe(firstPid);
    // The stand-in binds a pid-derived port unless told one: the same port means it was told.
    expect(node.port).toBe(firstPort);
    await node.stop();
  });

  it('reports the exit code and last lines when a node dies before it is ready', async () => {
    const dies = script('dies.mjs', `console.error('config: --port: must be a number'); process.exit(2);`);
    await expect(NodeProcess.start({ name: 'bad', entry: dies, dataDir: join(dir, 'd3') })).rejects.toThrow(
      /bad exited \(exit code 2\) before it logged listening[\s\S]*must be a number/,
    );
  });

  it('kills a node that does not get ready in time', async () => {
    const silent = script('silent.mjs', `console.log('starting'); setInterval(() => {}, 1000);`);
    const before = trackedChildCount();
    const start = NodeProcess.start({
      name: 'slow',
      entry: silent,
      dataDir: join(dir, 'd4'),
      // Long enough for a loaded machine to start Node and print 'starting'.
      startTimeoutMs: 5_000,
    });
    await expect(start).rejects.toThrow(/slow did not log listening within 5000 ms[\s\S]*starting/);
    expect(trackedChildCount()).toBe(before);
  });

  it('stop() escalates to SIGKILL when SIGTERM is ignored', async () => {
    const stubborn = script(
      'stubborn.mjs',
      `process.on('SIGTERM', () => {});
console.log(JSON.stringify({ msg: 'listening', port: 40124 }));
setInterval(() => {}, 1000);`,
    );
    const node = await NodeProcess.start({ name: 'stubborn', entry: stubborn, dataDir: join(dir, 'd5') });
    const exit = await node.stop(300);
    expect(exit?.signal).toBe('SIGKILL');
    expect(() => process.kill(node.pid, 0)).toThrow();
  });

  it('learns the metrics port from the metrics listening line, reuses it on restart, and knows -1 = none', async () => {
    const withMetrics = script(
      'metrics.mjs',
      `process.on('SIGTERM', () => process.exit(0));
const arg = (name) => process.argv[process.argv.indexOf(name) + 1];
// Like the apps: metrics first, then listening; port 0 = "pick one" (here: derived from the pid).
const metricsPort = Number(arg('--metrics-port'));
if (metricsPort !== -1) {
  const bound = metricsPort === 0 ? 41000 + (process.pid % 1000) : metricsPort;
  console.log(JSON.stringify({ msg: 'metrics listening', metricsPort: bound, host: '127.0.0.1' }));
}
console.log(JSON.stringify({ msg: 'listening', port: 40125 }));
setInterval(() => {}, 1000);`,
    );
    const node = await NodeProcess.start({ name: 'metrics', entry: withMetrics, dataDir: join(dir, 'd6') });
    const bound = 41000 + (node.pid % 1000);
    expect(node.metricsPort).toBe(bound);
    expect(node.metricsUrl).toBe(`http://127.0.0.1:${bound}`);
    await node.restart();
    // Told the port it bound first, so the URL stays valid across restarts.
    expect(node.metricsUrl).toBe(`http://127.0.0.1:${bound}`);
    await node.stop();

    const without = await NodeProcess.start({
      name: 'no-metrics',
      entry: withMetrics,
      dataDir: join(dir, 'd7'),
      metricsPort: -1,
    });
    expect(without.metricsPort).toBeUndefined();
    expect(() => without.metricsUrl).toThrow(/no-metrics runs without a metrics server/);
    await without.stop();
  });

  it('runs named listeners: --listeners instead of --host/--port, bound ports learned and reused on restart', async () => {
    // Binds each listener of --listeners (port 0: a port of its own choosing) and logs them as the apps do.
    const named = script(
      'named.mjs',
      `process.on('SIGTERM', () => process.exit(0));
const args = process.argv;
if (args.includes('--port') || args.includes('--host')) { console.error('shorthand given with --listeners'); process.exit(2); }
const list = args[args.indexOf('--listeners') + 1].split(',');
let next = 41000 + (process.pid % 500) * 2;
const listeners = list.map((entry) => {
  const [, name, host, port] = /^(\\w+):\\/\\/(.*):(\\d+)$/.exec(entry);
  return \`\${name}://\${host}:\${Number(port) || next++}\`;
});
console.log(JSON.stringify({ msg: 'listening', port: Number(listeners[0].split(':').at(-1)), listeners }));
setInterval(() => {}, 1000);`,
    );
    const node = await NodeProcess.start({
      name: 'named',
      entry: named,
      dataDir: join(dir, 'd-named'),
      listeners: [
        { name: 'INTERNAL', port: 0 },
        { name: 'CLIENT', port: 0 },
      ],
    });
    const base = 41000 + (node.pid % 500) * 2;
    expect(node.listenerPort('INTERNAL')).toBe(base);
    expect(node.listenerPort('CLIENT')).toBe(base + 1);
    expect(node.port).toBe(base);
    expect(node.listenerAddress('CLIENT')).toBe(`127.0.0.1:${base + 1}`);
    expect(() => node.listenerPort('EXTERNAL')).toThrow(
      /no listener EXTERNAL \(listeners: INTERNAL, CLIENT\)/,
    );
    await node.restart();
    // The restart asked for the ports bound first, so the script kept them.
    expect(node.listenerPort('CLIENT')).toBe(base + 1);
    await node.stop();
  });
});
