// Node as an HTTPS client, for the TLS capture tests: `count` requests to `base`/item/N, at most
// `sockets` connections at a time, all at once from one process (keep-alive, node:https), or
// one after the other with fetch (undici). Prints one JSON line per response. Run with
// --tls-keylog=FILE for tshark.
//   node node-https-client.mjs https|fetch BASE COUNT SOCKETS CA
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [mode, base, count, sockets, caFile] = process.argv.slice(2);
const ca = readFileSync(caFile);
const sha = (b) => createHash('sha256').update(b).digest('hex');
// odd items are POSTs with a body that grows with N
const bodyOf = (i) => (i % 2 ? Buffer.from('node posts\n'.repeat(i)) : null);

async function viaHttps() {
  const agent = new https.Agent({ keepAlive: true, maxSockets: Number(sockets), ca });
  const one = (i) =>
    new Promise((resolve, reject) => {
      const body = bodyOf(i);
      const req = https.request(`${base}/item/${i}`, { method: body ? 'POST' : 'GET', agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ path: `/item/${i}`, status: res.statusCode, responseSha: sha(Buffer.concat(chunks)) }));
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  const results = await Promise.all(Array.from({ length: Number(count) }, (_, i) => one(i)));
  agent.destroy();
  return results;
}

async function viaFetch() {
  // undici takes its CA from NODE_EXTRA_CA_CERTS (set by the caller)
  const results = [];
  for (let i = 0; i < Number(count); i++) {
    const body = bodyOf(i);
    const res = await fetch(`${base}/fetch/${i}`, { method: body ? 'POST' : 'GET', body });
    results.push({ path: `/fetch/${i}`, status: res.status, responseSha: sha(Buffer.from(await res.arrayBuffer())) });
  }
  return results;
}

for (const r of await (mode === 'fetch' ? viaFetch() : viaHttps())) process.stdout.write(JSON.stringify(r) + '\n');
