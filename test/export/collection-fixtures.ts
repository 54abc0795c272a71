/**
 * A session of the exchanges that Insomnia and Bruno exports treat apart from plain HTTP/1.1
 * (variedSession in fixtures.ts has those): HTTP/2 requests (pseudo-headers, a JSON body),
 * a gRPC call, a WebSocket upgrade, a header of odd characters and template syntax, and
 * targets that are hostile as file names (`../`, `}`, a newline, unicode).
 */
import { TestEncoder } from '../protocols/hpack/encoder.js';
import { CURL, NODE } from '../helpers/scripted-session.js';
import { SWITCHED, UPGRADE, frame } from '../helpers/ws-frames.js';
import { scripted } from './fixtures.js';

/** One HTTP/2 frame (RFC 9113 §4.1). */
function h2(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.from([payload.length >> 16, (payload.length >> 8) & 0xff, payload.length & 0xff, type, flags, 0, 0, 0, stream]);
  return Buffer.concat([head, payload]);
}
const HEADERS = 1;
const DATA = 0;
const END_STREAM = 1;
const END_HEADERS = 4;

function block(enc: TestEncoder, fields: [string, string][]): Buffer {
  return enc.encode(fields.map(([name, value]) => ({ name, value, how: 'without', indexName: false, huffman: false })));
}

export const H2_JSON = '{"item":"tea","qty":2}';
/** A gRPC message: not compressed, 3 bytes (a protobuf field 1 = 7 and padding). */
const GRPC_MESSAGE = Buffer.from([0, 0, 0, 0, 3, 0x08, 0x07, 0x10]);

export const ODD_VALUE = `a:b ~c "q" {d} ''' \\ {{ not.a.var }} {% if %} caf\u00e9`;
/** Targets sent over HTTP/2, whose :path may hold bytes no HTTP/1 request line can. */
export const HOSTILE_PATHS = ['/../../etc/passwd', '/a}b/{{x}}', '/line\nbreak', '/caf\u00e9/\u{1F375}', `/${'long'.repeat(100)}`];

export async function collectionSession(): Promise<string> {
  return scripted((s) => {
    const c = s.tcp(CURL, NODE, { clientPort: 51000, serverPort: 8443 });
    const enc = new TestEncoder();
    const dec = new TestEncoder();
    const req = (stream: number, fields: [string, string][], body?: Buffer) => {
      const head = h2(HEADERS, END_HEADERS | (body ? 0 : END_STREAM), stream, block(enc, fields));
      return body ? Buffer.concat([head, h2(DATA, END_STREAM, stream, body)]) : head;
    };
    const res = (stream: number, status: string, body: string) =>
      Buffer.concat([h2(HEADERS, END_HEADERS, stream, block(dec, [[':status', status], ['content-type', 'text/plain']])), h2(DATA, END_STREAM, stream, Buffer.from(body))]);
    const base: [string, string][] = [[':scheme', 'http'], [':authority', '127.0.0.1:8443']];
    c.send('c2s', Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), h2(4, 0, 0, Buffer.alloc(0))]));
    c.send('s2c', h2(4, 0, 0, Buffer.alloc(0)));
    // 1: an HTTP/2 POST of JSON, with a header of odd characters
    c.send('c2s', req(1, [[':method', 'POST'], ...base, [':path', '/orders?src=h2'], ['content-type', 'application/json'], ['x-odd', ODD_VALUE], ['authorization', 'Bearer h2-s3cr3t']], Buffer.from(H2_JSON)));
    c.send('s2c', res(1, '201', 'made'));
    // 2: a gRPC call
    c.send('c2s', req(3, [[':method', 'POST'], ...base, [':path', '/shop.Items/Get'], ['content-type', 'application/grpc'], ['te', 'trailers']], GRPC_MESSAGE));
    c.send(
      's2c',
      Buffer.concat([
        h2(HEADERS, END_HEADERS, 3, block(dec, [[':status', '200'], ['content-type', 'application/grpc']])),
        h2(DATA, 0, 3, GRPC_MESSAGE),
        h2(HEADERS, END_HEADERS | END_STREAM, 3, block(dec, [['grpc-status', '0']])),
      ]),
    );
    // 3-7: hostile paths
    HOSTILE_PATHS.forEach((path, i) => {
      const stream = 5 + 2 * i;
      c.send('c2s', req(stream, [[':method', 'GET'], ...base, [':path', Buffer.from(path, 'utf8').toString('latin1')]]));
      c.send('s2c', res(stream, '404', 'no'));
    });
    c.close();

    // 8: a WebSocket upgrade, and a message each way
    const w = s.tcp(CURL, NODE, { clientPort: 51100, serverPort: 8080 });
    w.send('c2s', UPGRADE.replace('\r\n\r\n', '\r\nSec-WebSocket-Protocol: chat\r\nX-Room: 7\r\n\r\n'));
    w.send('s2c', SWITCHED());
    w.send('c2s', frame(1, 'hello', { masked: true }));
    w.send('s2c', frame(1, 'hi'));
    w.close();
  });
}
