// A small notes API in two versions, for `tinytap replay` (test/e2e/replay.test.ts). A session
// recorded against version 1 and replayed against version 2 must show exactly the four changes
// below, and nothing of the noise every run has (whatever the fields are called): Date and
// X-Request-Id headers, a session cookie, `ts` in epoch milliseconds, `seen` in epoch seconds,
// `at` as an HTTP date, a UUID `nonce`, a hex `token` and a base64 `tag` that differ on every
// response.
//
// Version 2 differs from version 1 in exactly four ways:
//   - GET /info: `$.limits.maxNotes` is 50, not 100 (a changed field)
//   - GET /info: the `Cache-Control` header is gone (a removed header)
//   - GET /legacy: 410 Gone, not 200 (a new status)
//   - GET /report: answers 400 ms later (a slower route)
//
// Sessions: POST /login {"user"} sets `sid`; /notes needs it (401 without). POST /notes
// {"text"} answers 201 with the new note's id and Location; GET /notes/:id reads it back.
// Ids count from --first-id (default 1): a "fresh instance" elsewhere hands out other ids.
// --log FILE: one line per answered request, `METHOD URL STATUS`, the server's own account.
// Usage: node server.mjs PORT --version 1|2 [--first-id N] [--log FILE]
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const version = arg('--version', 1);
const logAt = process.argv.indexOf('--log');
const log = logAt >= 0 ? process.argv[logAt + 1] : null;
let nextId = arg('--first-id', 1);
if (!port || (version !== 1 && version !== 2)) {
  console.error('usage: node server.mjs PORT --version 1|2 [--first-id N] [--log FILE]');
  process.exit(2);
}

const sessions = new Map(); // sid -> user
const notes = new Map(); // id -> { id, text, owner }

/** What differs on every response: times by value, random tokens; none of it named as noise. */
function noise() {
  return {
    ts: Date.now(),
    seen: Math.floor(Date.now() / 1000),
    at: new Date().toUTCString(),
    nonce: randomUUID(),
    token: randomBytes(16).toString('hex'),
    tag: randomBytes(12).toString('base64'),
  };
}

function send(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': randomUUID(), ...headers });
  res.end(body);
}

function userOf(req) {
  const m = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? sessions.get(m[1]) : undefined;
}

function route(req, res, url, body) {
  let m;
  if (req.method === 'GET' && url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
    return res.end('ok\n');
  }
  if (req.method === 'GET' && url.pathname === '/info') {
    const headers = version === 1 ? { 'cache-control': 'max-age=60' } : {};
    return send(res, 200, { name: 'notes', limits: { maxNotes: version === 1 ? 100 : 50, maxText: 280 }, ...noise() }, headers);
  }
  if (req.method === 'GET' && url.pathname === '/legacy') {
    if (version === 2) return send(res, 410, { error: 'gone', ...noise() });
    return send(res, 200, { legacy: true, ...noise() });
  }
  if (req.method === 'GET' && url.pathname === '/report') {
    return setTimeout(() => send(res, 200, { rows: 3, ...noise() }), version === 2 ? 420 : 20);
  }
  if (req.method === 'POST' && url.pathname === '/login') {
    const { user } = JSON.parse(body.toString() || '{}');
    const sid = randomBytes(12).toString('hex');
    sessions.set(sid, user);
    return send(res, 200, { user, ...noise() }, { 'set-cookie': `sid=${sid}; Path=/; HttpOnly` });
  }
  if (url.pathname === '/notes' || url.pathname.startsWith('/notes/')) {
    const user = userOf(req);
    if (!user) return send(res, 401, { error: 'log in first' });
    if (req.method === 'POST' && url.pathname === '/notes') {
      const { text } = JSON.parse(body.toString() || '{}');
      const note = { id: nextId++, text, owner: user };
      notes.set(note.id, note);
      return send(res, 201, { ...note, ...noise() }, { location: `/notes/${note.id}` });
    }
    if (req.method === 'GET' && (m = /^\/notes\/(\d+)$/.exec(url.pathname))) {
      const note = notes.get(Number(m[1]));
      if (!note || note.owner !== user) return send(res, 404, { error: 'no such note' });
      return send(res, 200, { ...note, ...noise() });
    }
  }
  send(res, 404, { error: 'not found' });
}

const server = createServer((req, res) => {
  if (log) res.on('finish', () => appendFileSync(log, `${req.method} ${req.url} ${res.statusCode}\n`));
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => route(req, res, new URL(req.url, 'http://x'), Buffer.concat(chunks)));
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
