// An HTTPS server for the TLS capture tests (Node's own OpenSSL, with memory BIOs): logs one
// JSON line per exchange it answers on stdout. Run with --tls-keylog=FILE for tshark.
//   node node-tls-server.mjs PORT CERT KEY
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [port, cert, key] = process.argv.slice(2);
const sha = (b) => createHash('sha256').update(b).digest('hex');
// the body a path gets: its own text, repeated a number of times that depends on the path
const bodyFor = (path) => Buffer.from(`node answers ${path}\n`.repeat(1 + ((path.length * 37) % 200)));

const server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = bodyFor(req.url);
    res.setHeader('Content-Type', 'text/plain');
    res.end(body);
    const line = { method: req.method, path: req.url, status: 200, requestSha: sha(Buffer.concat(chunks)), responseSha: sha(body), client: `${req.socket.remoteAddress}:${req.socket.remotePort}` };
    process.stdout.write(JSON.stringify(line) + '\n');
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stderr.write(`listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
