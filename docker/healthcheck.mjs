// Container health check: exits 0 when the process reports SERVING on GET /healthz of its
// metrics port (200), 1 otherwise (503 while starting, registering or shutting down; no
// answer). Slim Node images have no curl or grpc_health_probe; Node is there anyway.
//
// Usage: node healthcheck.mjs <metrics port> [host, default 127.0.0.1]
const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node healthcheck.mjs <metrics port> [host]');
  process.exit(2);
}
try {
  const response = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
  console.log(`${response.status} ${await response.text()}`);
  process.exit(response.status === 200 ? 0 : 1);
} catch (error) {
  console.error(
    `no answer from http://${host}:${port}/healthz: ${error instanceof Error ? error.message : error}`,
  );
  process.exit(1);
}
