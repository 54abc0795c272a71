// Real traffic for the parser benchmarks without root or a packet capture: a TCP relay on
// loopback in front of a server, keeping what crosses it in each direction. Each piece is what
// one read() returned, in the order the relay saw them, which is how tinytap's recorder sees a
// connection (one record per read or write), and nothing can be dropped or reordered, as packets
// can be under load in tcpdump.
import { connect, createServer } from 'node:net';

/**
 * Starts a relay to 127.0.0.1:`targetPort`, runs `drive(relayPort)` (a client's traffic, through
 * the relay), and returns every connection's pieces: [[{ dir: 'c2s'|'s2c', bytes }]], in the order
 * the connections were accepted, once all have closed.
 */
export async function captureThroughRelay(targetPort, drive) {
  const connections = [];
  const closed = [];
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const pieces = [];
    connections.push(pieces);
    const upstream = connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    const relay = (from, to, dir) => {
      from.on('data', (bytes) => {
        pieces.push({ dir, bytes });
        to.write(bytes);
      });
      from.on('end', () => to.end());
    };
    relay(client, upstream, 'c2s');
    relay(upstream, client, 's2c');
    closed.push(
      Promise.all([client, upstream].map((s) => new Promise((resolve) => (s.on('close', resolve), s.on('error', () => s.destroy()))))).then(() => {
        client.destroy();
        upstream.destroy();
      }),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await drive(server.address().port);
    await Promise.all(closed);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return connections;
}
