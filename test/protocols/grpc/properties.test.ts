/**
 * Property tests: framed messages come out as sent however the bodies are cut; random bodies,
 * gaps and headers never make the call reader throw, and what it keeps stays within its limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callContents, GRPC_LIMITS, readGrpcCall } from '../../../src/protocols/grpc/index.js';
import type { BodyChunk } from '../../../src/protocols/grpc/types.js';
import { frame } from './frame.js';

function cutInto(bytes: Uint8Array, cuts: number[]): BodyChunk[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: BodyChunk[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push({ bytes: bytes.subarray(start, point), ts: chunks.length });
    start = Math.max(start, point);
  }
  return chunks;
}

const headers = [[':path', '/p.S/M'], ['content-type', 'application/grpc']] as const;

describe('grpc properties', () => {
  it('gives the messages as sent however the body is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (payloads, cuts) => {
        const body = Buffer.concat(payloads.map((p) => frame(p)));
        const call = readGrpcCall({ requestHeaders: headers, requestBody: cutInto(body, cuts), responseBody: [] });
        expect(call.requests.messages.map((m) => Buffer.from(m.bytes).toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        expect(call.requests.messages.every((m) => m.complete && !m.cut && !m.gap)).toBe(true);
        expect(call.requests.bodyBytes).toBe(body.length);
        const whole = readGrpcCall({ requestHeaders: headers, requestBody: [{ bytes: body, ts: 0 }], responseBody: [] });
        expect(call.requests.messages.map(({ ts: _ts, endTs: _end, ...m }) => m)).toEqual(whole.requests.messages.map(({ ts: _ts, endTs: _end, ...m }) => m));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bodies, gaps and encodings, and keeps within the limits', () => {
    const arbChunk = fc.record({ bytes: fc.uint8Array({ maxLength: 64 }), ts: fc.nat(), missing: fc.option(fc.nat({ max: 100 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(arbChunk, { maxLength: 12 }), fc.array(arbChunk, { maxLength: 12 }), fc.constantFrom('identity', 'gzip', 'deflate', 'zstd'), (requestBody, responseBody, encoding) => {
        const call = readGrpcCall({ requestHeaders: [...headers, ['grpc-encoding', encoding]], responseHeaders: [[':status', '200'], ['grpc-encoding', encoding]], requestBody, responseBody });
        const messages = [...call.requests.messages, ...call.responses.messages];
        expect(messages.reduce((n, m) => n + m.bytes.length, 0)).toBeLessThanOrEqual(GRPC_LIMITS.keepCallBytes);
        for (const m of messages) expect(m.bytes.length).toBeLessThanOrEqual(GRPC_LIMITS.keepMessageBytes);
        callContents(call);
      }),
      { numRuns: 1000 },
    );
  });
});
