// The pure parts of the reference, on made-up input: pairing HTTP messages by their order on a
// connection, refusing what tshark cannot frame, and counting payload bytes by sequence space.
// The same logic meets real tshark output in reference.test.ts.
import { describe, expect, it } from 'vitest';

import { type WireMessage, pairExchanges, refusePipelinedHead } from './http-exchanges.js';
import { type Segment, conversations } from './tcp-conversations.js';

let nextFrame = 1;
function msg(kind: 'request' | 'response', fields: Partial<WireMessage> = {}): WireMessage {
  return {
    kind,
    frame: nextFrame++,
    indexInFrame: 0,
    tcpStream: 0,
    method: kind === 'request' ? 'GET' : null,
    target: kind === 'request' ? '/' : null,
    status: kind === 'response' ? 200 : null,
    headerCount: 1,
    body: Buffer.alloc(0),
    ...fields,
  };
}

describe('pairExchanges', () => {
  it('pairs in order per connection, whatever the frames say', () => {
    const a = msg('request', { target: '/a', frame: 10, indexInFrame: 0 });
    const b = msg('request', { target: '/b', frame: 10, indexInFrame: 1 });
    const other = msg('request', { target: '/other', tcpStream: 1, frame: 11 });
    const ra = msg('response', { status: 201, frame: 12 });
    const rOther = msg('response', { status: 404, tcpStream: 1, frame: 13 });
    const rb = msg('response', { status: 202, frame: 14 });
    const pairs = pairExchanges([a, b, other, ra, rOther, rb]);
    expect(pairs.map((e) => [e.target, e.status, e.tcpStream])).toEqual([
      ['/a', 201, 0],
      ['/b', 202, 0],
      ['/other', 404, 1],
    ]);
  });

  it('a 1xx is interim, except 101 which is the final answer', () => {
    const pairs = pairExchanges([
      msg('request', { method: 'POST' }),
      msg('response', { status: 100 }),
      msg('response', { status: 103 }),
      msg('response', { status: 200 }),
      msg('request', { target: '/ws' }),
      msg('response', { status: 101 }),
    ]);
    expect(pairs.map((e) => [e.method, e.target, e.status, e.interimStatuses])).toEqual([
      ['POST', '/', 200, [100, 103]],
      ['GET', '/ws', 101, []],
    ]);
  });

  it('an unanswered request has a null status; a response without its request has a null method', () => {
    const unanswered = pairExchanges([msg('request', { body: Buffer.from('abc') })]);
    expect(unanswered).toMatchObject([{ status: null, responseBodyLength: null, responseBodySha256: null, requestBodyLength: 3 }]);
    const orphan = pairExchanges([msg('response', { tcpStream: 5 })]);
    expect(orphan).toMatchObject([{ method: null, target: null, status: 200, requestHeaderCount: null, tcpStream: 5 }]);
  });

  it('bodies are hashed; an empty body is the hash of nothing', () => {
    const [e] = pairExchanges([msg('request'), msg('response', { body: Buffer.from('hello') })]);
    expect(e.requestBodySha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(e.responseBodySha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });
});

describe('refusePipelinedHead', () => {
  it('accepts a HEAD answered before the next request, refuses one sent in a burst', () => {
    expect(() => refusePipelinedHead([msg('request', { method: 'HEAD' }), msg('response'), msg('request'), msg('response')])).not.toThrow();
    const burst = [msg('request', { method: 'HEAD', target: '/h', frame: 50 }), msg('request', { frame: 50, indexInFrame: 1 }), msg('response', { frame: 51 })];
    expect(() => refusePipelinedHead(burst)).toThrow(/HEAD \/h was pipelined/);
  });
});

describe('conversations', () => {
  const client = { addr: '127.0.0.1', port: 40000 };
  const server = { addr: '127.0.0.1', port: 8080 };
  const seg = (from: 'c' | 's', fields: Partial<Segment>): Segment => ({
    stream: 0,
    src: from === 'c' ? client : server,
    dst: from === 'c' ? server : client,
    syn: false,
    ack: true,
    seq: 1,
    len: 0,
    ...fields,
  });

  it('the SYN names the client; a retransmitted segment is counted once', () => {
    const [c] = conversations([
      seg('c', { syn: true, ack: false, seq: 0 }),
      seg('s', { syn: true, seq: 0 }),
      seg('c', { seq: 1, len: 100 }),
      seg('c', { seq: 1, len: 100 }), // retransmission
      seg('s', { seq: 1, len: 1000 }),
      seg('s', { seq: 1001, len: 24 }),
    ]);
    expect(c).toEqual({ stream: 0, client, server, clientKnown: true, bytesClientToServer: 100, bytesServerToClient: 1024 });
  });

  it('without a SYN or SYN-ACK the first sender is a guess, and says so', () => {
    const [c] = conversations([seg('s', { seq: 1, len: 10 }), seg('c', { seq: 1, len: 5 })]);
    expect(c).toMatchObject({ client: server, server: client, clientKnown: false, bytesClientToServer: 10, bytesServerToClient: 5 });
    const [fromSynAck] = conversations([seg('s', { syn: true, seq: 0 }), seg('s', { seq: 1, len: 10 })]);
    expect(fromSynAck).toMatchObject({ client, server, clientKnown: true, bytesServerToClient: 10 });
  });
});
