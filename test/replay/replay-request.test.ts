import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

import type { Exchange } from '../../src/model/exchange.js';
import { http1Bytes, parseHeaderFlag, requestParts, skipReason } from '../../src/replay/replay-request.js';
import { Pacer } from '../../src/replay/run-replay.js';
import { parseTarget } from '../../src/replay/targets.js';
import { allExchanges, scripted } from '../export/fixtures.js';
import { CURL, NODE } from '../helpers/scripted-session.js';

const TARGET = parseTarget('http://127.0.0.1:9090/base');
const NO_EDITS = { keepHost: false, set: [], drop: new Set<string>() };
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('a recorded exchange as a request to send again', () => {
  let ex: Exchange[];
  beforeAll(async () => {
    const file = await scripted((s) => {
      const c = s.tcp(CURL, NODE);
      // chunked, gzip-encoded, with connection-specific fields
      const body = gzipSync('{"a":1}');
      const chunked = `${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n0\r\n\r\n`;
      c.send('c2s', `POST /upload?x=1 HTTP/1.1\r\nHost: api.local:8080\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: 1\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Note: \u00e9t\u00e9\r\n\r\n${chunked}`);
      c.send('s2c', OK);
      // a proxy's absolute-form target, HTTP/1.0
      c.send('c2s', 'GET http://api.local:8080/items/7?q=a%20b HTTP/1.0\r\nHost: api.local:8080\r\n\r\n');
      c.send('s2c', OK);
      // a DELETE
      c.send('c2s', 'DELETE /items/7 HTTP/1.1\r\nHost: api.local:8080\r\n\r\n');
      c.send('s2c', OK);
      // a body cut at --max-payload, whose response the capture could not pair with a request
      c.send('c2s', 'PUT /big HTTP/1.1\r\nHost: api.local:8080\r\nContent-Length: 100\r\n\r\n' + 'x'.repeat(100), { senderCap: 80, readOnly: 60 });
      c.send('s2c', OK);
      c.close();
      const w = s.tcp(CURL, NODE, { clientPort: 41999 });
      w.send('c2s', 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      w.send('s2c', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
      w.close();
    });
    ex = allExchanges(file);
  });

  it('sends the body as recorded (still gzip, chunk framing replaced by Content-Length), without the connection\'s own fields', () => {
    const p = requestParts(ex[0], TARGET, NO_EDITS);
    expect(p.target).toBe('/base/upload?x=1');
    expect(p.headers.map((h) => h.name)).toEqual(['Host', 'Content-Encoding', 'Content-Type', 'X-Note']);
    expect(p.headers[0].value).toBe('127.0.0.1:9090');
    const bytes = http1Bytes(p);
    const head = bytes.subarray(0, bytes.indexOf('\r\n\r\n') + 4).toString('latin1');
    expect(head).toBe(`POST /base/upload?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9090\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\nX-Note: \u00e9t\u00e9\r\nContent-Length: ${p.body.length}\r\n\r\n`);
    expect(gunzipSync(bytes.subarray(head.length)).toString()).toBe('{"a":1}');
  });

  it('--keep-host keeps the recorded Host; --header replaces, --drop-header removes', () => {
    const p = requestParts(ex[0], TARGET, { keepHost: true, set: [parseHeaderFlag('x-note: new')!, parseHeaderFlag('Authorization: Bearer t0k')!], drop: new Set(['content-type']) });
    expect(p.headers).toEqual([
      { name: 'Host', value: 'api.local:8080' },
      { name: 'Content-Encoding', value: 'gzip' },
      { name: 'x-note', value: 'new' },
      { name: 'Authorization', value: 'Bearer t0k' },
    ]);
    expect(parseHeaderFlag('Bad Name: x')).toBeNull();
    expect(parseHeaderFlag('X: a\r\nInjected: 1')).toBeNull();
  });

  it('an absolute-form target is sent in origin form, HTTP/1.1', () => {
    const bytes = http1Bytes(requestParts(ex[1], parseTarget('http://127.0.0.1:9090'), NO_EDITS)).toString('latin1');
    expect(bytes).toBe('GET /items/7?q=a%20b HTTP/1.1\r\nHost: 127.0.0.1:9090\r\n\r\n');
  });

  it('what is not sent, and why', () => {
    expect(skipReason(ex[0], false, TARGET)).toBe('unsafe method');
    expect(skipReason(ex[0], true, TARGET)).toBeNull();
    expect(skipReason(ex[1], false, TARGET)).toBeNull();
    expect(skipReason(ex[1], false, null)).toBe('no target');
    expect(skipReason(ex[2], false, TARGET)).toBe('unsafe method');
    expect(skipReason(ex[3], true, TARGET)).toBe('body not wholly captured');
    expect(skipReason(ex.find((x) => x.upgrade === 'websocket')!, false, TARGET)).toBe('websocket');
    expect(ex.map((x) => skipReason(x, true, TARGET))).toEqual([null, null, null, 'body not wholly captured', 'no request', 'websocket']);
  });
});

describe('pacing', () => {
  const MS = 1_000_000n;
  it('--speed keeps the recorded gaps, scaled; --rate spaces the starts; neither: at once', () => {
    const starts = (speed: number | null, rate: number | null, recordedMs: number[], now = 1000) => {
      const p = new Pacer(1000, BigInt(recordedMs[0]) * MS, speed, rate);
      return recordedMs.map((ms) => p.startOf(BigInt(ms) * MS, now));
    };
    expect(starts(null, null, [0, 10, 500])).toEqual([1000, 1000, 1000]);
    expect(starts(1, null, [0, 10, 500])).toEqual([1000, 1010, 1500]);
    expect(starts(2, null, [0, 10, 500])).toEqual([1000, 1005, 1250]);
    expect(starts(null, 100, [0, 0, 0])).toEqual([1000, 1010, 1020]);
    // the slower of the two wins
    expect(starts(1, 50, [0, 1, 100])).toEqual([1000, 1020, 1100]);
    // a request asked for late (the one before it was slow) starts at once, not in the past
    expect(starts(1, null, [0, 10], 2000)).toEqual([2000, 2000]);
  });
});
