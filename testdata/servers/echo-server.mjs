// An HTTP/1.1 server on a raw socket that logs exactly what it received: for the export tests,
// which compare the requests a recording saw with the ones its exported curl commands send.
// Each request is one JSON line in LOGFILE: method, target and version, the header fields in
// order, and the body (transfer framing removed) in base64. Strings hold the bytes one per
// character (Latin-1), so nothing is lost or normalized. It also answers the routes the HAR
// test records: /json, /image.png, /gzip, /redirect, /chunked, /form; others 404.
// Usage: node echo-server.mjs PORT LOGFILE
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';

const port = Number(process.argv[2]);
const logFile = process.argv[3];

// a 1x1 PNG: binary bytes, NULs included
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** One request parsed from the front of `buf`, or null if it has not all arrived. */
function parseRequest(buf) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const [method, target, version] = lines[0].split(' ');
  const headers = lines.slice(1).map((l) => {
    const colon = l.indexOf(':');
    return [l.slice(0, colon), l.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')];
  });
  const get = (name) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  let at = headEnd + 4;
  let body;
  if (/chunked/i.test(get('transfer-encoding') ?? '')) {
    const parts = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
      if (buf.length < lineEnd + 2 + size + 2) return null;
      if (size === 0) {
        const end = buf.indexOf('\r\n\r\n', lineEnd);
        if (end < 0) return null;
        at = end + 4;
        break;
      }
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else {
    const length = Number(get('content-length') ?? 0);
    if (buf.length < at + length) return null;
    body = buf.subarray(at, at + length);
    at += length;
  }
  return { request: { method, target, version, headers, body: body.toString('base64') }, rest: buf.subarray(at), close: /close/i.test(get('connection') ?? '') || version === 'HTTP/1.0' };
}

function respond(socket, req) {
  const path = req.target.split('?')[0];
  const send = (status, headers, body = Buffer.alloc(0)) => {
    const head = [`HTTP/1.1 ${status}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, '', ''].join('\r\n');
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  };
  switch (path) {
    case '/json':
      return send('200 OK', { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ id: 7, name: 'tinytap', tags: ['a', 'b'] })));
    case '/image.png':
      return send('200 OK', { 'Content-Type': 'image/png' }, PNG);
    case '/gzip':
      return send('200 OK', { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Encoding': 'gzip' }, gzipSync(Buffer.from('compressed hello '.repeat(50))));
    case '/redirect':
      return send('302 Found', { Location: '/json' });
    case '/chunked':
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nc\r\nfirst chunk\n\r\n');
      setTimeout(() => socket.write('d\r\nsecond chunk\n\r\nb\r\nlast chunk\n\r\n0\r\n\r\n'), 20);
      return;
    case '/form':
    case '/echo':
      return send('200 OK', { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ method: req.method, bytes: Buffer.from(req.body, 'base64').length })));
    default:
      return send('404 Not Found', { 'Content-Type': 'text/plain' }, Buffer.from('not found\n'));
  }
}

const sockets = new Set();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const got = parseRequest(buf);
      if (!got) return;
      buf = got.rest;
      appendFileSync(logFile, JSON.stringify(got.request) + '\n');
      respond(socket, got.request);
      if (got.close) {
        socket.end();
        return;
      }
    }
  });
  socket.on('error', () => {});
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
});
