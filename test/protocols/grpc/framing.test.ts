/** Framing at its edges: gaps, an unfinished body, the keep limits, compression that fails. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GRPC_LIMITS, readGrpcCall } from '../../../src/protocols/grpc/index.js';
import { percentDecode, timeoutMs, grpcSubtype } from '../../../src/protocols/grpc/headers.js';
import type { BodyChunk, GrpcExchangeInput } from '../../../src/protocols/grpc/types.js';
import { frame } from './frame.js';

function call(requestBody: BodyChunk[], extra: Partial<GrpcExchangeInput> = {}): ReturnType<typeof readGrpcCall> {
  return readGrpcCall({ requestHeaders: [[':path', '/p.S/M'], ['content-type', 'application/grpc']], requestBody, responseBody: [], ...extra });
}

describe('grpc framing', () => {
  it('marks a message with a gap inside and keeps framing after it', () => {
    const first = frame(Buffer.from('0a0568656c6c6f', 'hex'));
    const second = frame(Uint8Array.of(8, 1));
    const { requests } = call([{ bytes: first.subarray(0, 7), ts: 1 }, { bytes: first.subarray(9), ts: 2, missing: 2 }, { bytes: second, ts: 3 }]);
    expect(requests.messages.map((m) => [m.offset, m.length, m.gap, m.complete, Buffer.from(m.bytes).toString('hex'), m.ts, m.endTs])).toEqual([
      [0, 7, true, true, '0a05', 1, 2],
      [12, 2, undefined, true, '0801', 3, 3],
    ]);
    expect(requests.lostAt).toBeUndefined();
  });

  it('loses the framing where a gap hides a length prefix, and counts the bytes', () => {
    const { requests } = call([{ bytes: frame(Uint8Array.of(8, 1)).subarray(0, 3), ts: 1 }, { bytes: Buffer.alloc(20), ts: 2, missing: 4 }]);
    expect(requests).toMatchObject({ messages: [], messageCount: 0, lostAt: 0, bodyBytes: 27 });
  });

  it('hands out an unfinished message as incomplete', () => {
    const { requests } = call([{ bytes: frame(Buffer.from('0a0568656c6c6f', 'hex')).subarray(0, 8), ts: 1 }]);
    expect(requests.messages).toMatchObject([{ length: 7, complete: false, cut: true }]);
    expect(requests.messages[0].bytes).toHaveLength(3);
  });

  it('keeps at most keepMessageBytes of a message, a budget per call and keepMessages messages', () => {
    const big = frame(Buffer.alloc(GRPC_LIMITS.keepMessageBytes + 10, 1));
    const one = call([{ bytes: big, ts: 1 }]).requests.messages[0];
    expect(one).toMatchObject({ length: GRPC_LIMITS.keepMessageBytes + 10, cut: true, complete: true });
    expect(one.bytes).toHaveLength(GRPC_LIMITS.keepMessageBytes);
    const many = GRPC_LIMITS.keepCallBytes / GRPC_LIMITS.keepMessageBytes + 2;
    const budgeted = call(Array.from({ length: many }, (_, i) => ({ bytes: big, ts: i }))).requests.messages;
    expect(budgeted.reduce((n, m) => n + m.bytes.length, 0)).toBe(GRPC_LIMITS.keepCallBytes);
    expect(budgeted.at(-1)).toMatchObject({ cut: true, complete: true });
    expect(budgeted.at(-1)!.bytes).toHaveLength(0);
    const count = GRPC_LIMITS.keepMessages + 5;
    const small = call([{ bytes: Buffer.concat(Array.from({ length: count }, () => frame(Uint8Array.of(8, 1)))), ts: 1 }]).requests;
    expect(small.messages).toHaveLength(GRPC_LIMITS.keepMessages);
    expect(small.messageCount).toBe(count);
  });

  it('says why a compressed message is not decoded', () => {
    const bomb = gzipSync(Buffer.alloc(GRPC_LIMITS.maxInflatedBytes + 1));
    const encoded = (encoding: string, payload: Uint8Array) => call([{ bytes: frame(payload, true), ts: 1 }], { requestHeaders: [[':path', '/p.S/M'], ['content-type', 'application/grpc'], ['grpc-encoding', encoding]] }).requests.messages[0];
    expect(encoded('gzip', bomb).decodeError).toBe(`inflates to more than ${GRPC_LIMITS.maxInflatedBytes} bytes`);
    expect(encoded('snappy', Uint8Array.of(1)).decodeError).toBe('grpc-encoding snappy is not decoded');
    expect(encoded('gzip', Uint8Array.of(1, 2, 3)).decodeError).toMatch(/^gzip does not inflate/);
    expect(call([{ bytes: frame(Uint8Array.of(1), true), ts: 1 }]).requests.messages[0].decodeError).toBe('compressed flag set but grpc-encoding is identity');
  });

  it('reads the header fields', () => {
    expect([timeoutMs('1H'), timeoutMs('2S'), timeoutMs('3u'), timeoutMs('123456789S'), timeoutMs('5x')]).toEqual([3_600_000, 2000, 0.003, undefined, undefined]);
    expect(percentDecode('a%20b%zz%E2%9C%97%')).toBe('a b%zz✗%');
    expect(percentDecode('%FF')).toBe('\ufffd');
    expect([grpcSubtype('application/grpc'), grpcSubtype('application/grpc+json'), grpcSubtype('application/grpc; charset=utf-8'), grpcSubtype('application/json')]).toEqual(['proto', 'json', 'proto', undefined]);
    const odd = readGrpcCall({ requestHeaders: [[':path', 'odd']], responseHeaders: [[':status', '404']], requestBody: [], responseBody: [] });
    expect(odd).toMatchObject({ path: 'odd', status: { code: 12, name: 'UNIMPLEMENTED', source: 'http-status' } });
    expect(odd).not.toHaveProperty('service');
  });
});
