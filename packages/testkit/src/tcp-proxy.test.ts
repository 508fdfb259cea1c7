import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loopbackSocketOwner } from './socket-owner.js';
import { TcpProxy } from './tcp-proxy.js';
import { sleep, waitFor } from './wait-for.js';

/** An echo server on 127.0.0.1 and what it received. */
async function startEcho(): Promise<{ server: Server; port: number; received: () => string }> {
  let received = '';
  const server = createServer((socket) =>
    socket.on('data', (chunk) => {
      received += chunk.toString();
      socket.write(chunk);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, received: () => received };
}

/** A client connection and everything it read so far. */
async function connect(port: number): Promise<{ socket: Socket; read: () => string; closed: () => boolean }> {
  let read = '';
  let closed = false;
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.on('data', (chunk) => {
    read += chunk.toString();
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, read: () => read, closed: () => closed };
}

describe('TcpProxy', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('blackholes both directions without a reset, and delivers the held bytes on heal', async () => {
    const echo = await startEcho();
    cleanups.push(() => new Promise((resolve) => echo.server.close(resolve)));
    const proxy = await TcpProxy.start({ targetPort: echo.port });
    cleanups.push(() => proxy.close());
    const client = await connect(proxy.port);
    cleanups.push(() => client.socket.destroy());

    client.socket.write('one;');
    await waitFor(() => client.read() === 'one;', { timeoutMs: 2_000 });

    proxy.blackhole();
    expect(proxy.blackholed).toBe(true);
    client.socket.write('two;');
    await sleep(300);
    expect(echo.received()).toBe('one;');
    expect(client.read()).toBe('one;');
    expect(client.closed()).toBe(false);

    // A new connection during the blackhole is accepted but reaches nothing.
    const late = await connect(proxy.port);
    cleanups.push(() => late.socket.destroy());
    late.socket.write('late;');
    await sleep(300);
    expect(echo.received()).toBe('one;');

    proxy.heal();
    expect(proxy.blackholed).toBe(false);
    await waitFor(() => client.read() === 'one;two;' && late.read() === 'late;', { timeoutMs: 2_000 });
    expect(proxy.droppedConnections).toBe(0);
  });

  it('cuts only the named callers and holds connections until the target is set', async () => {
    const echo = await startEcho();
    cleanups.push(() => new Promise((resolve) => echo.server.close(resolve)));
    let next = 0;
    // Callers named in connection order: the first is "a", the second "b".
    const proxy = await TcpProxy.start({ identifyPeer: () => (next++ === 0 ? 'a' : 'b') });
    cleanups.push(() => proxy.close());
    const a = await connect(proxy.port);
    const b = await connect(proxy.port);
    cleanups.push(
      () => a.socket.destroy(),
      () => b.socket.destroy(),
    );
    a.socket.write('a1;');
    await sleep(200);
    expect(echo.received()).toBe('');
    proxy.setTarget(echo.port);
    await waitFor(() => a.read() === 'a1;', { timeoutMs: 2_000 });
    expect(proxy.peers.sort()).toEqual(['a', 'b']);

    proxy.blackhole(['a']);
    a.socket.write('a2;');
    b.socket.write('b1;');
    await waitFor(() => b.read() === 'b1;', { timeoutMs: 2_000 });
    await sleep(200);
    expect(a.read()).toBe('a1;');
    proxy.heal();
    await waitFor(() => a.read() === 'a1;a2;', { timeoutMs: 2_000 });
  });

  it('finds the process that owns the client end of a loopback connection', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = await connect((server.address() as { port: number }).port);
    cleanups.push(() => client.socket.destroy());
    const socket = await accepted;
    const owner = loopbackSocketOwner(socket.remotePort!, socket.localPort!, [process.pid]);
    expect(owner).toBe(process.platform === 'linux' ? process.pid : undefined);
    expect(loopbackSocketOwner(socket.remotePort!, socket.localPort!, [])).toBeUndefined();
    socket.destroy();
  });
});
