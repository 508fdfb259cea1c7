import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which of `pids` owns the client end of a loopback TCP connection, found through Linux's
 * /proc (the socket's inode in /proc/net/tcp, then the process whose fd links to it).
 *
 * Every node of a test cluster connects from 127.0.0.1, so the address cannot tell a
 * proxy which node is calling; the owning process can, and that is what lets a proxy cut
 * one link (broker 1 to broker 2) while the same port stays open to everyone else.
 * Returns undefined when the owner is none of `pids`, or off Linux.
 *
 * @param clientPort the connection's port on the client side (the proxy's `remotePort`)
 * @param serverPort the port the client connected to (the proxy's `localPort`)
 */
export function loopbackSocketOwner(
  clientPort: number,
  serverPort: number,
  pids: readonly number[],
): number | undefined {
  const inode = loopbackSocketInode(clientPort, serverPort);
  if (inode === undefined) return undefined;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // exited, or not Linux
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
      } catch {
        // The fd closed while we looked: not this one.
      }
    }
  }
  return undefined;
}

/** 127.0.0.1 as /proc/net/tcp writes it (little-endian hex). */
const LOOPBACK_HEX = '0100007F';

function loopbackSocketInode(clientPort: number, serverPort: number): string | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const local = `${LOOPBACK_HEX}:${hexPort(clientPort)}`;
  const remote = `${LOOPBACK_HEX}:${hexPort(serverPort)}`;
  for (const line of table.split('\n')) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[2] === remote) return fields[9];
  }
  return undefined;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}
