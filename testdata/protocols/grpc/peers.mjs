// A real gRPC server and client (@grpc/grpc-js with @grpc/proto-loader) exchanging the calls of
// the corpus on 127.0.0.1:PORT: one call of each RPC kind, gzip- and deflate-compressed calls, an error
// status in trailers after a message, and a Trailers-Only error. Each peer logs every message it
// received, decoded by grpc-js (64-bit integers and enums as strings, bytes as base64), and the
// client logs each call's status: that log, not our decoder, is what the tests expect.
// Usage: node peers.mjs PORT LOG.json
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [port, logPath] = process.argv.slice(2);
const protos = fileURLToPath(new URL('protos', import.meta.url));
const definition = protoLoader.loadSync('tinytap/demo/inventory.proto', {
  includeDirs: [protos],
  keepCase: true,
  longs: String,
  enums: String,
  bytes: String,
  defaults: false,
  oneofs: false,
});
const { Inventory } = grpc.loadPackageDefinition(definition).tinytap.demo;
const log = [];
const received = (call, side, message) => log.push({ call, side, message });

const hammer = {
  id: '18446744073709551615',
  name: 'Hammer ✓',
  category: 'TOOLS',
  stock_by_store: [1, -2, 300000],
  tags: ['steel', 'heavy'],
  prices_by_region: { eu: '-123456789012', us: '99' },
  dimensions: { width_cm: 12.5, weight_kg: 0.75 },
  supplier: 'ACME',
  thumbnail: Buffer.from([1, 2, 255, 0]),
  balance: '-42',
  checksum: '1234567890123',
  discontinued: true,
  price: { currency: 'EUR', units: '19', nanos: -5 },
  updated: { seconds: '1700000000', nanos: 5 },
  other_categories: ['BOOKS', 'FOOD'],
  temperature: -7,
};

const server = new grpc.Server({ 'grpc.default_compression_algorithm': 0 });
server.addService(Inventory.service, {
  GetItem(call, callback) {
    received('GetItem', 'server', call.request);
    if (call.request.id === '404') {
      callback({ code: grpc.status.NOT_FOUND, details: 'item 404: not here ✗ (100% sure)' });
      return;
    }
    callback(null, call.request.with_thumbnail ? hammer : { ...hammer, thumbnail: undefined, workshop_id: 7, supplier: undefined });
  },
  ListItems(call) {
    received('ListItems', 'server', call.request);
    const n = call.request.limit ?? 0;
    for (let i = 0; i < Math.min(n, 3); i++) call.write({ id: String(i + 1), name: `item ${i + 1}`, category: call.request.category, tags: Array(i).fill('x') });
    if (n > 3) call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'at most 3 items' });
    else call.end();
  },
  RecordStock(call, callback) {
    const totals = {};
    let changes = 0;
    call.on('data', (change) => {
      received('RecordStock', 'server', change);
      changes++;
      totals[change.item_id] = String(Number(totals[change.item_id] ?? 0) + (change.delta ?? 0));
    });
    call.on('end', () => callback(null, { changes: String(changes), totals }));
  },
  Chat(call) {
    call.on('data', (line) => {
      received('Chat', 'server', line);
      call.write({ author: 'server', text: `echo: ${line.text}`, sequence: String(-Number(line.sequence)) });
    });
    call.on('end', () => call.end());
  },
});

const unary = (client, name, request, options = {}) =>
  new Promise((resolve) => {
    client[name](request, new grpc.Metadata(), { deadline: Date.now() + 30_000, ...options }, (error, response) => {
      if (response) received(name, 'client', response);
      log.push({ call: name, status: error ? { code: error.code, details: error.details } : { code: 0 } });
      resolve();
    });
  });

const serverStream = (client, request) =>
  new Promise((resolve) => {
    const call = client.ListItems(request);
    call.on('data', (item) => received('ListItems', 'client', item));
    call.on('error', (error) => log.push({ call: 'ListItems', status: { code: error.code, details: error.details } }));
    call.on('status', (status) => status.code === 0 && log.push({ call: 'ListItems', status: { code: 0 } }));
    call.on('close', resolve);
    call.on('end', resolve);
  });

async function main() {
  const bound = await new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  const address = `127.0.0.1:${bound}`;
  const client = new Inventory(address, grpc.credentials.createInsecure());
  await unary(client, 'GetItem', { id: '18446744073709551615', with_thumbnail: true });
  await serverStream(client, { category: 'BOOKS', limit: 3 });
  await new Promise((resolve) => {
    const call = client.RecordStock((error, summary) => {
      received('RecordStock', 'client', summary);
      log.push({ call: 'RecordStock', status: error ? { code: error.code } : { code: 0 } });
      resolve();
    });
    for (const change of [{ item_id: '1', delta: 5, store: 'north' }, { item_id: '2', delta: -3, store: 'south' }, { item_id: '1', delta: -1 }]) call.write(change);
    call.end();
  });
  await new Promise((resolve) => {
    const call = client.Chat();
    call.on('data', (line) => received('Chat', 'client', line));
    call.on('status', (status) => log.push({ call: 'Chat', status: { code: status.code } }));
    call.on('end', resolve);
    call.write({ author: 'ann', text: 'hello', sequence: '1' });
    call.write({ author: 'ann', text: 'how are you? ünïcödé', sequence: '9007199254740993' });
    call.end();
  });
  const gzipClient = new Inventory(address, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  await unary(gzipClient, 'GetItem', { id: '7', with_thumbnail: false });
  const deflateClient = new Inventory(address, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 1 });
  await unary(deflateClient, 'GetItem', { id: '8', with_thumbnail: true });
  await unary(client, 'GetItem', { id: '404' });
  await serverStream(client, { category: 'FOOD', limit: 5 });
  client.close();
  gzipClient.close();
  deflateClient.close();
  server.forceShutdown();
  writeFileSync(logPath, JSON.stringify(log, null, 1) + '\n');
}

await main();
