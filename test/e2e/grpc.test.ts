// gRPC between real @grpc/grpc-js peers (testdata/protocols/grpc/peers.mjs), recorded by the real
// recorder: every call the client made is one exchange, held against what the peers themselves
// logged (each message as the receiving peer decoded it, the status the client saw).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

import type { Exchange } from '../../src/model/exchange.js';
import { grpcView } from '../../src/render/grpc-format.js';
import { type LoggedCall, PROTO_DIR, callsOfLog, loadSchema, type PeerLogEntry } from '../protocols/grpc/real-calls.js';
import { CLI, type Recorded, describeCapture, freePort, recordWhile, tempDir, exchangesOf } from './harness.js';
import { outputOf } from './programs.js';

const PEERS = fileURLToPath(new URL('../../testdata/protocols/grpc/peers.mjs', import.meta.url));
const KINDS: Record<string, string> = { GetItem: 'unary', ListItems: 'server-streaming', RecordStock: 'client-streaming', Chat: 'bidirectional' };

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describeCapture('gRPC from real grpc-js peers', () => {
  const schema = loadSchema();
  let rec: Recorded;
  let logged: LoggedCall[];
  let xs: Exchange[];

  beforeAll(async () => {
    const port = await freePort();
    const log = join(tempDir('tinytap-grpc-'), 'peers.json');
    rec = await recordWhile(['--port', String(port)], () => outputOf(process.execPath, [PEERS, String(port), log]));
    logged = callsOfLog(JSON.parse(readFileSync(log, 'utf8')) as PeerLogEntry[]);
    xs = exchangesOf(rec.file);
  }, 60_000);

  it('holds exactly the calls the client made: service, method, status, kind, and every message as the peers decoded it', () => {
    expect(rec.code, rec.stderr).toBe(0);
    // unary, server-streaming, client-streaming, bidi, gzip, deflate, NOT_FOUND, an error after messages
    expect(logged.map((c) => c.name)).toEqual(['GetItem', 'ListItems', 'RecordStock', 'Chat', 'GetItem', 'GetItem', 'GetItem', 'ListItems']);
    expect(xs.map((x) => [x.grpc?.service, x.grpc?.method, x.grpc?.status?.code])).toEqual(logged.map((c) => ['tinytap.demo.Inventory', c.name, c.status.code]));
    for (const [i, x] of xs.entries()) {
      const real = logged[i];
      const grpc = x.grpc!;
      if (real.status.details) expect(grpc.status?.message, `call ${i}`).toBe(real.status.details);
      expect([grpc.requests.messageCount, grpc.responses.messageCount], `call ${i}`).toEqual([real.requests.length, real.responses.length]);
      const view = grpcView(grpc, schema);
      expect(view.kind, `call ${i}`).toBe(KINDS[real.name]);
      const decoded = (direction: string) => view.messages.filter((m) => m.direction === direction).map((m) => (m.content.format === 'typed' ? m.content.json : m.content));
      expect(decoded('request'), `call ${i} requests`).toEqual(real.requests);
      expect(decoded('response'), `call ${i} responses`).toEqual(real.responses);
      // without the schema the kind is what the messages show: more than one way is streaming
      const streamed = (n: number) => n > 1;
      expect(grpc.kind).toBe(streamed(real.requests.length) ? (streamed(real.responses.length) ? 'bidirectional' : 'client-streaming') : streamed(real.responses.length) ? 'server-streaming' : 'unary');
    }
  });

  it('times each message within its exchange, in the order each side sent them', () => {
    for (const x of xs) {
      for (const direction of [x.grpc!.requests, x.grpc!.responses]) {
        const times = direction.messages.map((m) => m.ns);
        expect(times.every((t) => t !== null && t >= x.request.startedNs && t <= (x.response?.endedNs ?? t))).toBe(true);
        expect([...times].sort((a, b) => (a! < b! ? -1 : a! > b! ? 1 : 0))).toEqual(times);
      }
    }
  });

  it('inflates the gzip- and deflate-compressed calls', () => {
    const compressed = xs.filter((x) => x.grpc!.requests.encoding !== 'identity');
    expect(compressed.map((x) => x.grpc!.requests.encoding)).toEqual(['gzip', 'deflate']);
    for (const x of compressed) {
      const [message] = x.grpc!.requests.messages;
      expect(message.compressed).toBe(true);
      expect(message.decodedLength).toBe(message.bytes.length);
    }
  });

  it('filters, lists and shows the calls from the command line', async () => {
    const ls = (...filter: string[]) => outputOf(process.execPath, [CLI, 'ls', rec.file, ...filter, '--json']).then(jsonLines);
    const notFound = await ls('grpc.status:NOT_FOUND');
    expect(notFound.map((r) => r.grpc)).toEqual([{ service: 'tinytap.demo.Inventory', method: 'GetItem', status: 5, status_name: 'NOT_FOUND' }]);
    expect((await ls('grpc.method:Chat')).map((r) => r.id)).toEqual([xs[3].id]);
    expect((await ls('grpc.service:tinytap.demo.*', '-grpc.status:OK')).map((r) => r.id)).toEqual([xs[6].id, xs[7].id]);
    const table = await outputOf(process.execPath, [CLI, 'ls', rec.file]);
    expect(table).toMatch(/gRPC +127\.0\.0\.1:\d+\/tinytap\.demo\.Inventory\/GetItem +NOT_FOUND/);
    expect(table).toMatch(/ListItems +RESOURCE_EXHAUSTED/);

    const show = await outputOf(process.execPath, [CLI, 'show', rec.file, String(xs[6].id)]);
    expect(show).toContain('gRPC  tinytap.demo.Inventory/GetItem · unary · NOT_FOUND (5) (Trailers-Only): item 404: not here ✗ (100% sure)');
    expect(show).toMatch(/→ request 1 .*\n +\{"1":404\}/);
    const chat = JSON.parse(await outputOf(process.execPath, [CLI, 'show', rec.file, String(xs[3].id), '--json', '--proto', PROTO_DIR])) as {
      grpc: { kind: string; messages: { direction: string; type: string; content: unknown }[] };
    };
    expect(chat.grpc.kind).toBe('bidirectional');
    expect(chat.grpc.messages.filter((m) => m.direction === 'response').map((m) => m.content)).toEqual(logged[3].responses);
    expect(chat.grpc.messages.every((m) => m.type === 'tinytap.demo.ChatLine')).toBe(true);
  });
});
