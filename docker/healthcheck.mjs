// Container health check: exits 0 when the process accepts connections on its gRPC port.
// Slim Node images have no curl or grpc_health_probe; Node is there anyway.
import { connect } from 'node:net';

// Usage: node healthcheck.mjs <port>
const port = Number(process.argv[2]);
const socket = connect({ host: '127.0.0.1', port, timeout: 2_000 });
socket.on('connect', () => {
  socket.end();
  process.exit(0);
});
socket.on('timeout', () => process.exit(1));
socket.on('error', () => process.exit(1));
