// A `record --dir` chain whose files were switched while an exchange was in flight (issue 16):
// the exchange belongs to the file holding its last byte, whole there, and every request is in
// exactly one file of the chain, whichever file is built first.
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import { ExchangeFlag } from '../../src/model/exchange-flags.js';
import { buildExchanges } from '../../src/session/build-exchanges.js';
import { Session } from '../../src/session/session.js';
import { sessionFileName } from '../../src/files/chain-names.js';
import { CURL, NODE, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';
import { bundleWorker } from '../helpers/bundle-worker.js';

let workerScript = '';
beforeAll(async () => {
  workerScript = fileURLToPath(await bundleWorker(new URL('../../src/session/build-worker.ts', import.meta.url)));
});

const REDIS_CLI = { pid: 6100, comm: 'redis-cli' };
const REDIS = { pid: 6200, comm: 'redis-server' };

/** A chain of three files: the slow response's head in the first, its body in the second. */
async function keepAliveChain(): Promise<string[]> {
  const dir = tempDir('tinytap-carry-');
  const s = new ScriptedSession(join(dir, sessionFileName()));
  const c = s.tcp(CURL, PYTHON, { serverPort: 8080 });
  c.send('c2s', 'GET /first HTTP/1.1\r\nHost: a\r\n\r\n');
  c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  s.wait(10);
  c.send('c2s', 'GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
  s.wait(5);
  c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello');
  s.rotate();
  s.wait(20);
  c.send('s2c', 'world');
  c.send('c2s', 'GET /a HTTP/1.1\r\nHost: a\r\n\r\n');
  c.send('s2c', 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  c.send('c2s', 'GET /b HTTP/1.1\r\nHost: a\r\n\r\n');
  c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb');
  s.rotate();
  // nothing in flight at this switch: the third file starts the flow at an exchange's end
  c.send('c2s', 'GET /c HTTP/1.1\r\nHost: a\r\n\r\n');
  c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc');
  c.close();
  return s.finish();
}

function statuses(file: string): [string, number | null][] {
  const s = Session.open(file);
  try {
    return s.exchanges().map((x) => [String(x.path), x.status === null ? null : Number(x.status)]);
  } finally {
    s.close();
  }
}

function paths(file: string): string[] {
  const s = Session.open(file);
  try {
    return s.exchanges().map((x) => String(x.path));
  } finally {
    s.close();
  }
}

function digests(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT path, digest FROM exchanges ORDER BY id').all() as { path: string; digest: unknown }[]).map((r) => `${r.path}:${String(r.digest)}`);
  } finally {
    db.close();
  }
}

function derivedMeta(file: string, key: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    const v = db.prepare('SELECT value FROM derived_meta WHERE key = ?').pluck().get(key) as string | undefined;
    return v === undefined ? undefined : JSON.parse(v);
  } finally {
    db.close();
  }
}

describe('a chain switched with an exchange in flight', () => {
  it('puts the exchange whole in the file of its last byte, and every request in exactly one file', async () => {
    const files = await keepAliveChain();
    expect(files).toHaveLength(3);
    const byFile = files.map(paths);
    expect(byFile).toEqual([['/first'], ['/slow', '/a', '/b'], ['/c']]);

    const s = Session.open(files[1]);
    try {
      const [slow] = s.exchanges();
      expect(slow).toMatchObject({ method: 'GET', status: 200n, resp_body_size: 10n, seq: 0n });
      expect(Number(slow.flags) & (ExchangeFlag.NO_RESPONSE | ExchangeFlag.INCOMPLETE | ExchangeFlag.PARSE_ERROR)).toBe(0);
      // its first bytes were recorded in the first file, and are read from this one
      expect(Number(slow.first_event)).toBeLessThan(0);
      const ex = s.exchange(Number(slow.id))!;
      expect(Buffer.from(ex.response!.body.captured).toString()).toBe('helloworld');
      expect(ex.response!.body.complete).toBe(true);
      expect(ex.request.headers).toEqual([{ name: 'Host', value: 'a' }]);
      // the request went out 10 ms into the first file; the body's end 20 ms later
      expect(ex.timings.totalNs).toBeGreaterThan(25e6);
      expect(ex.timings.waitNs).toBeGreaterThan(4e6);
      expect(s.wireBytes(Number(slow.id))!.response.toString()).toBe('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhelloworld');
      // show --raw: the events of both files that hold it
      const raw = [...s.rawEvents(ex)].map((e) => e.payload.toString());
      expect(raw).toContain('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(raw).toContain('world');
      const [flow] = s.flows();
      // the bytes are counted in the file that recorded them
      expect(flow).toMatchObject({ protocol: 'http/1.1', exchanges: 3, error: null });
      expect(flow.bytes_s2c).toBe('world'.length + 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'.length + 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb'.length);
    } finally {
      s.close();
    }
    // where the first file's flow goes on, said in its derived_meta
    const out = derivedMeta(files[0], 'carry_out') as { next: string; flows: { carry: string; from: { file: string; record: number } }[] };
    expect(out.next).toBe(basename(files[1]));
    expect(out.flows).toEqual([expect.objectContaining({ carry: 'restart', protocol: 'http/1.1', from: { file: basename(files[0]), record: expect.any(Number) } })]);
    expect(derivedMeta(files[1], 'carried_in')).toMatchObject({ file: basename(files[0]), note: null, records: expect.any(Number) });
  });

  it('gives the same exchanges whichever file is built first, and a rebuild changes none', async () => {
    const files = await keepAliveChain();
    // the second file first: the first is read, not built
    expect(paths(files[2])).toEqual(['/c']);
    expect(paths(files[1])).toEqual(['/slow', '/a', '/b']);
    expect(paths(files[0])).toEqual(['/first']);
    const first = files.map(digests);
    const again = await keepAliveChain();
    for (const f of again) paths(f);
    expect(again.map(digests)).toEqual(first);
    // reparse, on one thread and in a worker
    for (const parallel of [false, true])
      for (const f of files) {
        const db = new Database(f);
        try {
          expect(buildExchanges(db, { parallel, workerScript })).toMatchObject({ added: 0, removed: 0, changed: 0 });
        } finally {
          db.close();
        }
      }
    expect(files.map(digests)).toEqual(first);
  });

  it('reads a file alone when the one before is gone, and says nothing was carried in', async () => {
    const files = await keepAliveChain();
    const alone = join(tempDir('tinytap-alone-'), 'x');
    mkdirSync(alone);
    copyFileSync(files[1], join(alone, basename(files[1])));
    const s = Session.open(join(alone, basename(files[1])));
    try {
      // the slow response's rest cannot be read without its start; the flow says why
      const [flow] = s.flows();
      expect(flow.error).toMatch(/^began before this file; .* is not beside it: nothing in flight when it ended was carried in/);
    } finally {
      s.close();
    }
    expect(derivedMeta(join(alone, basename(files[1])), 'carried_in')).toMatchObject({ records: 0, note: expect.stringMatching(/not beside it/) });
    // the connection is read from the first request the file holds (the rest of /slow before it answers a request of the file gone)
    expect(statuses(join(alone, basename(files[1])))).toEqual([['/a', 404], ['/b', 200]]);
    // and the file after it, built with the first one gone (a --keep budget), goes on from it
    copyFileSync(files[2], join(alone, basename(files[2])));
    expect(statuses(join(alone, basename(files[2])))).toEqual([['/c', 200]]);
    // the first file alone keeps to itself what belongs to the next
    renameSync(files[1], files[1] + '.away');
    expect(paths(files[0])).toEqual(['/first']);
  });

  it('restarts a Redis connection at a command', async () => {
    const dir = tempDir('tinytap-carry-');
    const s = new ScriptedSession(join(dir, sessionFileName()));
    const c = s.tcp(REDIS_CLI, REDIS, { serverPort: 6379 });
    c.send('c2s', '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    c.send('s2c', '$1\r\nv\r\n');
    c.send('c2s', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv2\r\n');
    s.rotate();
    c.send('s2c', '+OK\r\n');
    c.send('c2s', '*1\r\n$4\r\nPING\r\n');
    c.send('s2c', '+PONG\r\n');
    c.close();
    const files = await s.finish();
    const ops = files.map((f) => {
      const session = Session.open(f);
      try {
        return session.exchanges().map((x) => `${x.operation} ${Number(x.flags) & ExchangeFlag.NO_RESPONSE ? 'none' : 'ok'}`);
      } finally {
        session.close();
      }
    });
    expect(ops).toEqual([['GET ok'], ['SET ok', 'PING ok']]);
  });

  it('splits what cannot be read from the middle of a connection, and says so in both files', async () => {
    const dir = tempDir('tinytap-carry-');
    const s = new ScriptedSession(join(dir, sessionFileName()));
    const c = s.tcp(NODE, PYTHON, { serverPort: 5432 });
    // a PostgreSQL startup, then a query whose answer comes after the switch
    const startup = Buffer.alloc(8 + 'user\0me\0\0'.length);
    startup.writeUInt32BE(startup.length, 0);
    startup.writeUInt32BE(196608, 4);
    startup.write('user\0me\0\0', 8, 'latin1');
    c.send('c2s', startup);
    c.send('s2c', Buffer.from('5200000008000000005a0000000549', 'hex'));
    const q = Buffer.from('select 1\0', 'latin1');
    const query = Buffer.alloc(5 + q.length);
    query.write('Q', 0, 'latin1');
    query.writeUInt32BE(4 + q.length, 1);
    q.copy(query, 5);
    c.send('c2s', query);
    s.rotate();
    c.send('s2c', Buffer.from('430000000d53454c4543542031005a0000000549', 'hex'));
    c.close();
    const files = await s.finish();
    const first = Session.open(files[0]);
    try {
      // the query stays where it began, flagged as having had no answer in its file
      const xs = first.exchanges();
      expect(xs.map((x) => x.operation)).toEqual(['STARTUP', 'SELECT']);
      expect(Number(xs[1].flags) & ExchangeFlag.NO_RESPONSE).toBeTruthy();
    } finally {
      first.close();
    }
    const second = Session.open(files[1]);
    try {
      expect(second.flows()[0].error).toMatch(/^began in .*, and postgresql cannot be read from the middle of a connection/);
    } finally {
      second.close();
    }
    expect(derivedMeta(files[0], 'carry_out')).toMatchObject({ flows: [{ carry: 'split', protocol: 'postgresql' }] });
  });
});
