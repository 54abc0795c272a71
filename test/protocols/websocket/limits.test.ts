/** Every bound of WEBSOCKET_LIMITS is reached and reported (a flag or a flaw), never silent. */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { StreamDirection, StreamItem } from '../../../src/protocols/stream.js';
import { WEBSOCKET_LIMITS } from '../../../src/protocols/websocket/index.js';
import { Compressor, encodeFrame } from './encoder.js';
import { runIncrementally } from './run-connection.js';

const DEFLATE = { extensions: 'permessage-deflate' };

function segments(dir: StreamDirection, chunks: Buffer[], from = 0): StreamItem[] {
  let offset = from;
  return chunks.map((bytes, k) => {
    const item: StreamItem = { kind: 'data', dir, ts: 1000 + k, offset, length: bytes.length, bytes, eventId: k + 1 };
    offset += bytes.length;
    return item;
  });
}

describe('websocket limits', () => {
  it('reports a message that inflates beyond maxInflatedBytes, and loses the window after it', () => {
    const bomb = deflateRawSync(Buffer.alloc(WEBSOCKET_LIMITS.maxInflatedBytes + 1));
    const compressor = new Compressor(true);
    const frames = [
      encodeFrame({ fin: true, rsv1: true, opcode: 2, payload: bomb.subarray(0, bomb.length) }),
      encodeFrame({ fin: true, rsv1: true, opcode: 1, payload: compressor.compress(Buffer.from('after')) }),
    ];
    const { messages } = runIncrementally(segments('s2c', frames), DEFLATE);
    expect(messages.map((m) => m.flaws.map((f) => f.code))).toEqual([['inflate-too-large'], ['context-lost']]);
    expect(messages[0].payloadLength).toBeUndefined();
    expect(messages[0].payload.length).toBe(0);
  });

  it('reports a compressed message beyond maxCompressedBytes without holding it', () => {
    const size = WEBSOCKET_LIMITS.maxCompressedBytes + 1;
    const frame = encodeFrame({ fin: true, rsv1: true, opcode: 2, payload: Buffer.alloc(size, 1) });
    const chunks: Buffer[] = [];
    for (let i = 0; i < frame.length; i += 1 << 20) chunks.push(frame.subarray(i, i + (1 << 20)));
    const run = runIncrementally(segments('s2c', chunks), DEFLATE);
    expect(run.messages[0].flaws.map((f) => f.code)).toEqual(['compressed-too-large']);
    expect(run.messages[0].wireLength).toBe(size);
    expect(run.peakBuffered).toBeLessThanOrEqual(WEBSOCKET_LIMITS.maxCompressedBytes + 64 * 1024);
  });

  it('cuts payloads at keepMessageBytes, then at the connection budget, and says which', () => {
    const big = Buffer.alloc(WEBSOCKET_LIMITS.keepMessageBytes * 2, 0x61);
    const count = WEBSOCKET_LIMITS.keepConnectionBytes / WEBSOCKET_LIMITS.keepMessageBytes + 2;
    const frames = Array.from({ length: count }, () => encodeFrame({ fin: true, opcode: 2, payload: big }));
    frames.push(encodeFrame({ fin: true, opcode: 8, payload: Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]) }));
    const { messages } = runIncrementally(segments('s2c', frames));
    expect(messages[0].cut).toBe('message-limit');
    expect(messages[0].payloadLength).toBe(big.length);
    expect(messages[count - 1].cut).toBe('connection-budget');
    expect(messages[count - 1].payload.length).toBe(0);
    const kept = messages.reduce((n, m) => n + m.payload.length, 0);
    expect(kept).toBe(WEBSOCKET_LIMITS.keepConnectionBytes + 5);
    // the close is read whatever the budget: its code and reason are the connection's ending
    expect(messages[count].close).toEqual({ code: 1000, reason: 'bye' });
  });

  it('starts each direction at its ProtocolSwitch offset and ignores the bytes before it', () => {
    const head = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
    const frame = encodeFrame({ fin: true, opcode: 1, payload: Buffer.from('hi') });
    const items = segments('s2c', [Buffer.concat([head, frame.subarray(0, 3)]), frame.subarray(3)]);
    const run = runIncrementally(items, { s2cOffset: head.length });
    expect(run.flaws).toEqual([]);
    expect(run.messages.map((m) => [m.text, m.start, m.end])).toEqual([['hi', head.length, head.length + 4]]);
  });
});
