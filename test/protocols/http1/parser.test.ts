/** The direction parser on its own: events, pausing, limits, and robustness of push(). */
import { describe, expect, it } from 'vitest';
import { Http1Parser, type Http1ParseError, type HttpMessage } from '../../../src/protocols/http1/index.js';
import { end, seg, text } from './helpers.js';

function recorder(kind: 'request' | 'response', options: { method?: string; onMessage?: (p: Http1Parser, m: HttpMessage) => void } = {}) {
  const events: string[] = [];
  const messages: HttpMessage[] = [];
  const errors: Http1ParseError[] = [];
  const parser: Http1Parser = new Http1Parser(kind, kind === 'request' ? 'c2s' : 's2c', {
    onHead: (m) => events.push(`head ${m.start}-${m.headEnd}`),
    onMessage: (m) => {
      events.push(`message ${m.start}-${m.end} ${m.complete ? 'complete' : 'incomplete'}`);
      messages.push(m);
      options.onMessage?.(parser, m);
    },
    onError: (e, interrupted) => {
      events.push(`error ${e.offset} ${e.code}${interrupted ? ` in ${interrupted.start}` : ''}`);
      errors.push(e);
    },
    requestMethod: () => options.method,
  });
  return { parser, events, messages, errors };
}

describe('Http1Parser', () => {
  it('emits the head as soon as it is complete and the message at its end', () => {
    const { parser, events } = recorder('request');
    parser.push(seg('c2s', 0, 'POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab', 5));
    expect(events).toEqual(['head 0-38']);
    parser.push(seg('c2s', 40, 'cd', 6));
    expect(events).toEqual(['head 0-38', 'message 0-42 complete']);
  });

  it('never writes into the caller’s segments', () => {
    const { parser, messages } = recorder('request');
    const first = text('GET /a HTTP/1.1\r\nHo');
    const second = text('st: x\r\n\r\n');
    const copies = [Uint8Array.from(first), Uint8Array.from(second)];
    parser.push({ kind: 'data', dir: 'c2s', ts: 1, offset: 0, length: first.length, bytes: first, eventId: 1 });
    parser.push({ kind: 'data', dir: 'c2s', ts: 2, offset: first.length, length: second.length, bytes: second, eventId: 2 });
    expect(messages[0].headers).toEqual([['Host', 'x']]);
    expect([first, second]).toEqual(copies);
  });

  it('holds everything after a paused message, gaps included, until resumed', () => {
    const { parser, events, messages } = recorder('request', { onMessage: (p, m) => m.start === 0 && p.pause() });
    parser.push(seg('c2s', 0, 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\n', 10));
    parser.push(seg('c2s', 60, '\r\n', 20));
    expect(parser.phase).toBe('paused');
    expect(parser.bufferedBytes).toBe(22);
    expect(events).toEqual(['head 0-40', 'message 0-40 complete']);
    parser.resume();
    expect(parser.phase).toBe('parsing');
    expect(events).toEqual(['head 0-40', 'message 0-40 complete', 'head 40-62', 'message 40-62 complete']);
    expect([messages[1].startTs, messages[1].headEndTs]).toEqual([10, 20]);
  });

  it('stops holding and goes on parsing past maxPausedBytes', () => {
    const parser = new Http1Parser('request', 'c2s', {
      onHead: () => {},
      onMessage: () => parser.pause(),
      onError: () => {},
    }, { maxPausedBytes: 10 });
    parser.push(seg('c2s', 0, 'CONNECT a:1 HTTP/1.1\r\n\r\n'));
    expect(parser.phase).toBe('paused');
    parser.push(seg('c2s', 24, 'GET / HTTP/1.1\r\n'));
    expect(parser.phase).toBe('parsing');
    expect(parser.bufferedBytes).toBe(16);
  });

  it('after a switch, reports where the opaque stream begins and ignores the rest', () => {
    const { parser, events } = recorder('request', { onMessage: (p) => p.pause() });
    parser.push(seg('c2s', 0, 'CONNECT a:443 HTTP/1.1\r\n\r\n\x16\x03\x01'));
    expect(parser.switchProtocol()).toBe(26);
    parser.push(seg('c2s', 29, '\x00\x00garbage'));
    parser.finish();
    expect(parser.phase).toBe('opaque');
    expect(events).toEqual(['head 0-26', 'message 0-26 complete']);
  });

  it('reads the body of a response to HEAD as absent, using the request method it is given', () => {
    const { parser, events } = recorder('response', { method: 'HEAD' });
    parser.push(seg('s2c', 0, 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'));
    expect(events).toEqual(['head 0-38', 'message 0-38 complete']);
  });

  it('ignores bytes it already has (a segment that overlaps the previous one)', () => {
    const { parser, messages } = recorder('request');
    parser.push(seg('c2s', 0, 'GET / HTTP/1.1\r\nA: b'));
    parser.push(seg('c2s', 15, '\nA: b\r\n\r\n'));
    expect(messages.map((m) => m.headers)).toEqual([[['A', 'b']]]);
    expect(messages[0].headEnd).toBe(24);
  });

  it('turns a throwing hook into an internal error instead of throwing', () => {
    const errors: string[] = [];
    const parser = new Http1Parser('request', 'c2s', {
      onHead: () => {
        throw new Error('boom');
      },
      onMessage: () => {},
      onError: (e) => errors.push(`${e.code}: ${e.message}`),
    });
    expect(() => parser.push(seg('c2s', 0, 'GET / HTTP/1.1\r\n\r\n'))).not.toThrow();
    expect(errors).toEqual(['internal: internal parser error: boom']);
    expect(parser.phase).toBe('failed');
  });

  it('flushes a message cut short by finish() as incomplete', () => {
    const { parser, events, messages } = recorder('response');
    parser.push(seg('s2c', 0, 'HTTP/1.1 200 OK\r\n\r\nabc', 7));
    parser.finish();
    expect(events).toEqual(['head 0-19', 'message 0-22 incomplete']);
    expect(messages[0].body).toMatchObject({ framing: 'close', length: 3, ranges: [[19, 22]], complete: false });
    expect(messages[0].endTs).toBe(7);
  });

  it('ends a close-delimited body at the end marker, with the last byte’s ts', () => {
    const { parser, messages } = recorder('response');
    parser.push(seg('s2c', 0, 'HTTP/1.0 200 OK\r\n\r\nab', 3));
    parser.push(end('s2c', 21, 9));
    expect(messages[0]).toMatchObject({ complete: true, keepAlive: false, end: 21, endTs: 3 });
  });

  it('treats a jump in offsets as lost bytes: skipped in a body, fatal in a head', () => {
    const { parser, events, messages } = recorder('response');
    parser.push(seg('s2c', 0, 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab'));
    parser.push(seg('s2c', 42, 'ef'));
    parser.push(seg('s2c', 50, 'HTTP/1.1 200 OK\r\n\r\n'));
    expect(messages[0].body.gaps).toEqual([{ start: 40, end: 42, reason: 'lost' }]);
    expect(events).toEqual(['head 0-38', 'message 0-44 complete', 'error 44 gap']);
  });

  it('reports a chunked body cut inside a chunk-size line as incomplete with an error', () => {
    const { parser, events } = recorder('response');
    parser.push(seg('s2c', 0, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1', 0, { size: 4, reason: 'truncated' }));
    expect(events).toEqual(['head 0-47', 'error 56 gap in 0']);
  });
});
