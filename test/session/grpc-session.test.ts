/**
 * gRPC calls through the whole read side without root: the bytes of a real grpc-js connection
 * (testdata/protocols/http2/grpc-js.h2) written as a session by the real recorder with a fake
 * addon, built, loaded (session/grpc-facts.ts reads each call again from the re-read bodies),
 * and shown, listed and exported by the CLI, each held against what the peers logged.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import type { Exchange } from '../../src/model/exchange.js';
import type { StreamItem } from '../../src/protocols/stream.js';
import { allExchanges, scripted } from '../export/fixtures.js';
import { Session } from '../../src/session/session.js';
import { SessionQueries } from '../../src/session/session-queries.js';
import { ExchangeDetail } from '../../src/tui/exchange-detail.js';
import { lineText } from '../../src/tui/styled-text.js';
import { CURL, NODE } from '../helpers/scripted-session.js';
import { runCli } from '../helpers/run-cli.js';
import { loadCase } from '../protocols/corpus/corpus-format.js';
import { PROTO_DIR, callsOfLog, type PeerLogEntry } from '../protocols/grpc/real-calls.js';

const DIR = fileURLToPath(new URL('../../testdata/protocols/http2/', import.meta.url));
const logged = callsOfLog(JSON.parse(readFileSync(`${DIR}grpc-js.peers.json`, 'utf8')) as PeerLogEntry[]).filter((_, i) => i !== 4 && i !== 5);

/** The case's segments sent as they were captured, with the time between them. */
function grpcSession(): Promise<string> {
  const items = loadCase(`${DIR}grpc-js.h2`).items.filter((i): i is Extract<StreamItem, { kind: 'data' }> => i.kind === 'data');
  return scripted((s) => {
    const c = s.tcp(CURL, NODE, { serverPort: 50051 });
    let last = items[0].ts;
    for (const item of items) {
      s.wait((item.ts - last) / 1e6);
      last = item.ts;
      c.send(item.dir, Buffer.from(item.bytes));
    }
    c.close('server');
  });
}

describe('gRPC calls in a session', () => {
  let file: string;
  let xs: Exchange[];
  beforeAll(async () => {
    file = await grpcSession();
    xs = allExchanges(file);
  });

  it('loads every call with its status and messages, each timed within its exchange', () => {
    expect(xs.map((x) => [x.grpc?.method, x.grpc?.status?.code, x.grpc?.requests.messageCount, x.grpc?.responses.messageCount])).toEqual(
      logged.map((c) => [c.name, c.status.code, c.requests.length, c.responses.length]),
    );
    for (const x of xs)
      for (const m of [...x.grpc!.requests.messages, ...x.grpc!.responses.messages]) {
        expect(m.ns).not.toBeNull();
        expect(m.ns! >= x.request.startedNs && m.ns! <= x.response!.endedNs!).toBe(true);
      }
  });

  it('lists and filters the calls by service, method and status', async () => {
    const ids = async (...filter: string[]) => (await runCli('ls', file, ...filter, '--json')).out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id);
    expect(await ids('grpc.status:NOT_FOUND')).toEqual([xs[4].id]);
    expect(await ids('grpc.method:ListItems')).toEqual([xs[1].id, xs[5].id]);
    expect(await ids('grpc.service:tinytap.demo.Inventory', 'grpc.status:0')).toEqual(xs.slice(0, 4).map((x) => x.id));
    const table = (await runCli('ls', file)).out;
    expect(table).toMatch(/gRPC +127\.0\.0\.1:\d+\/tinytap\.demo\.Inventory\/ListItems +RESOURCE_EXHAUSTED/);
  });

  it('has a Messages tab in open, beside the headers, as show prints the call', () => {
    const session = Session.open(file);
    try {
      const d = ExchangeDetail.load(session, new SessionQueries(session), xs[2].id)!;
      expect(d.tabs.slice(0, 2)).toEqual(['Headers', 'Messages']);
      const rows = d.rows('Messages', 200).map(lineText);
      expect(rows[0]).toBe('gRPC  tinytap.demo.Inventory/RecordStock · client-streaming · OK (0): OK');
      expect(rows).toContain('  messages    3 requests, 1 response');
      // each message, with its time and its content as JSON (schema-less: by field number)
      expect(rows.filter((r) => /^  [→←] (request|response) \d/.test(r)).map((r) => r.trim().split(/ +/).slice(0, 3).join(' '))).toEqual([
        '→ request 1',
        '→ request 2',
        '→ request 3',
        '← response 1',
      ]);
      expect(rows).toContain('      {"1":1,"2":5,"3":"north"}');
    } finally {
      session.close();
    }
  });

  it('shows a call with its messages decoded, schema-less and with --proto', async () => {
    const plain = await runCli('show', file, String(xs[2].id));
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('gRPC  tinytap.demo.Inventory/RecordStock · client-streaming · OK (0): OK');
    expect(plain.out).toContain('messages    3 requests, 1 response');
    expect(plain.out).not.toContain('Request body');
    const typed = await runCli('show', file, String(xs[2].id), '--json', '--proto', PROTO_DIR);
    const grpc = (JSON.parse(typed.out) as { grpc: { messages: { direction: string; type?: string; content: unknown }[] } }).grpc;
    expect(grpc.messages.filter((m) => m.direction === 'request').map((m) => m.content)).toEqual(logged[2].requests);
    expect(grpc.messages.filter((m) => m.direction === 'response').map((m) => m.content)).toEqual(logged[2].responses);
    expect(grpc.messages[0].type).toBe('tinytap.demo.StockChange');
  });

  it('says why --proto cannot be used', async () => {
    const run = await runCli('show', file, String(xs[0].id), '--proto', DIR);
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/--proto .*: no \.proto files under it/);
  });

  it('exports a call as an HTTP/2 HAR entry with its call, and as no curl command', async () => {
    const har = JSON.parse((await runCli('export', file, '--har', 'grpc.method:GetItem', '--proto', PROTO_DIR)).out) as {
      log: { entries: { request: { httpVersion: string }; _grpc: { service: string; method: string; status: { name: string } | null; messages: { content: unknown }[] } }[] };
    };
    expect(har.log.entries.map((e) => [e.request.httpVersion, e._grpc.method, e._grpc.status?.name])).toEqual([
      ['HTTP/2', 'GetItem', 'OK'],
      ['HTTP/2', 'GetItem', 'NOT_FOUND'],
    ]);
    expect(har.log.entries[0]._grpc.messages.map((m) => m.content)).toEqual([...logged[0].requests, ...logged[0].responses]);
    const curl = (await runCli('export', file, '--curl', 'grpc.method:Chat')).out;
    expect(curl).toMatch(/# a gRPC call \(tinytap\.demo\.Inventory\/Chat\): curl cannot make it/);
    expect(curl).not.toMatch(/^curl /m);
  });
});
