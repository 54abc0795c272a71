/** Hand-made frames for what real peers do not send on demand: h2c upgrade, gaps, padding, CONTINUATION. */
import { describe, expect, it } from 'vitest';

import { Http1Connection } from '../../../src/protocols/http1/index.js';
import { CLIENT_PREFACE } from '../../../src/protocols/http2/index.js';
import type { StreamDirection, StreamItem } from '../../../src/protocols/stream.js';
import { runAtOnce } from './run-connection.js';

function frame(type: number, flags: number, stream: number, payload: number[] | Buffer): Buffer {
  const n = payload.length;
  return Buffer.concat([Buffer.from([n >> 16, (n >> 8) & 255, n & 255, type, flags, (stream >>> 24) & 127, (stream >> 16) & 255, (stream >> 8) & 255, stream & 255]), Buffer.from(payload)]);
}
const SETTINGS = frame(4, 0, 0, []);
/** :method GET, :scheme http, :path /, :authority a (literal, not indexed). */
const GET = [0x82, 0x86, 0x84, 0x01, 0x01, 0x61];
/** :status 200 */
const OK = [0x88];

function items(...parts: [StreamDirection, Buffer, { gap?: number; offset?: number }?][]): StreamItem[] {
  const offsets = { c2s: 0, s2c: 0 };
  return parts.map(([dir, bytes, opts], k) => {
    if (opts?.offset !== undefined) offsets[dir] = opts.offset;
    const length = bytes.length + (opts?.gap ?? 0);
    const item: StreamItem = { kind: 'data', dir, ts: 100 * (k + 1), offset: offsets[dir], length, bytes, eventId: k + 1, ...(opts?.gap ? { gap: 'truncated' as const } : {}) };
    offsets[dir] += length;
    return item;
  });
}

describe('HTTP/2 frames', () => {
  it('splits a header block over CONTINUATION and strips padding from HEADERS and DATA', () => {
    const run = runAtOnce(
      items(
        ['c2s', Buffer.concat([CLIENT_PREFACE, SETTINGS, frame(1, 0x08, 1, [2, ...GET.slice(0, 3), 0, 0]), frame(9, 0x04, 1, GET.slice(3)), frame(0, 0x09, 1, [3, 0x68, 0x69, 0, 0, 0])])],
        ['s2c', Buffer.concat([SETTINGS, frame(1, 0x05, 1, OK)])],
      ),
    );
    const [ex] = run.exchanges;
    expect(ex.request).toMatchObject({ method: 'GET', path: '/', authority: 'a', complete: true });
    const dataStart = CLIENT_PREFACE.length + 9 + 9 + 6 + 9 + 3 + 9 + 1;
    expect(ex.request!.body).toEqual({ length: 2, ranges: [[dataStart, dataStart + 2]], times: [100], omittedRanges: 0, gaps: [] });
    expect(ex.complete).toBe(true);
  });

  it('a gap inside a DATA payload is a body gap; one over a frame header loses the direction', () => {
    const body = frame(0, 0x01, 1, Buffer.alloc(100, 0x7a));
    const run = runAtOnce(
      items(
        ['c2s', Buffer.concat([CLIENT_PREFACE, SETTINGS, frame(1, 0x05, 1, GET)])],
        ['s2c', Buffer.concat([SETTINGS, frame(1, 0x04, 1, OK), body.subarray(0, 30)]), { gap: 80 }],
      ),
    );
    const response = run.exchanges[0].response!;
    const start = 9 + 9 + 1 + 9;
    expect(response.body.ranges).toEqual([[start, start + 100]]);
    expect(response.body.gaps).toEqual([{ start: start + 21, end: start + 100, reason: 'truncated' }]);
    expect(response.complete).toBe(true); // every byte of the frame was moved, END_STREAM with it
    // the gap ran on over where the next frame header was
    expect(run.facts.errors.map((e) => e.code)).toEqual(['gap']);
  });

  it('times each DATA frame by the arrival of its last byte, one time per range', () => {
    const first = frame(0, 0x00, 1, Buffer.from('abc'));
    const second = frame(0, 0x01, 1, Buffer.from('defg'));
    const run = runAtOnce(
      items(
        ['c2s', Buffer.concat([CLIENT_PREFACE, SETTINGS, frame(1, 0x05, 1, GET)])],
        ['s2c', Buffer.concat([SETTINGS, frame(1, 0x04, 1, OK), first, second.subarray(0, 5)])],
        ['s2c', second.subarray(5)],
      ),
    );
    const body = run.exchanges[0].response!.body;
    expect(body.ranges).toHaveLength(2);
    // item 2 (ts 200) holds the first frame whole; the second ends in item 3 (ts 300)
    expect(body.times).toEqual([200, 300]);
  });

  it('takes stream 1 request from the HTTP/1.1 upgrade request (h2c)', () => {
    const request = Buffer.from('GET /up HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n');
    const switching = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    const h1 = new Http1Connection();
    const parts = items(['c2s', request], ['s2c', switching]);
    for (const item of parts) h1.push(item);
    const [upgrade] = h1.finish();
    const sw = upgrade.protocolSwitch!;
    expect(sw.protocol).toBe('h2c');
    const run = runAtOnce(
      [
        ...parts,
        ...items(['c2s', Buffer.concat([CLIENT_PREFACE, SETTINGS]), { offset: sw.c2sOffset }], ['s2c', Buffer.concat([SETTINGS, frame(1, 0x05, 1, OK)]), { offset: sw.s2cOffset }]),
      ],
      { upgrade: { request: upgrade.request!, c2sOffset: sw.c2sOffset!, s2cOffset: sw.s2cOffset } },
    );
    expect(run.facts.start).toBe('upgrade');
    const [ex] = run.exchanges;
    expect(ex.streamId).toBe(1);
    expect(ex.request).toMatchObject({ method: 'GET', path: '/up', authority: 'h', http1Upgrade: true, complete: true });
    expect(ex.response).toMatchObject({ status: 200, complete: true });
    expect(ex.complete).toBe(true);
  });
});
