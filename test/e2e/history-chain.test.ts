/**
 * Issue 16's "done when" for an always-on recorder, with real programs: `record --dir --rotate 2s
 * --keep 10s` under a steady loopback load for 30 s, read back with `ls DIR`. curl asks for
 * numbered URLs one after another on one keep-alive connection through every rotation, ab adds
 * new connections, and a slow download (nginx's limit_rate) spans several files: every request
 * of the files kept is listed exactly once, the last one curl made included, the slow one whole;
 * nginx's own access log agrees; the budget deletes only old closed files. Then SIGKILL landed
 * just as a new file of the chain appears leaves every file readable, and no request lost
 * beyond the commit interval.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';

import { CLI, type Server, describeCapture, runRecorder, startNginx, tempDir } from './harness.js';
import { ab } from './peers/clients.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chainFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^tinytap-.*\.tinytap$/.test(n))
    .sort();
}

interface Listed {
  id: string;
  path: string;
  query: string | null;
  status: number | null;
  response_size: number | null;
  file: string;
}

function lsDir(dir: string, ...filter: string[]): Listed[] {
  const r = spawnSync(process.execPath, [CLI, 'ls', dir, '--json', ...filter], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Listed);
}

/** curl asking for PATH?i=FIRST..LAST in order on one connection, at `rate` per second. */
function numbered(port: number, path: string, first: number, last: number, rate: string) {
  const proc = spawn('curl', ['-s', '-N', '--rate', rate, '-o', '/dev/null', '-w', '%{http_code} %{url_effective}\\n', `http://127.0.0.1:${port}${path}?i=[${first}-${last}]`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const done = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return {
    proc,
    done,
    /** The numbers curl has printed an answer for so far (its output may lag: nginx's log is the reference). */
    answered: () => [...out.matchAll(/^200 \S+\?i=(\d+)$/gm)].map((m) => Number(m[1])),
  };
}

/** The numbers nginx's access log says it answered on `path`, in order. */
function served(log: string, path: string): number[] {
  const line = new RegExp(`"GET ${path.replace('/', '\\/')}\\?i=(\\d+) HTTP\\/1\\.1" 200`, 'g');
  return [...readFileSync(log, 'utf8').matchAll(line)].map((m) => Number(m[1]));
}

const numbers = (rows: Listed[]) => rows.map((r) => Number(/^i=(\d+)$/.exec(r.query ?? '')?.[1])).filter((n) => Number.isInteger(n));

describeCapture('record --dir read back as one history', () => {
  let nginx: Server;
  let accessLog: string;
  beforeAll(async () => {
    const www = tempDir('tinytap-www-');
    accessLog = join(tempDir('tinytap-nginx-log-'), 'access.log');
    writeFileSync(join(www, 'slow.bin'), Buffer.alloc(240_000, 'x'));
    spawnSync('chmod', ['-R', 'a+rX', www]);
    nginx = await startNginx(
      www,
      `access_log ${accessLog};
    location = /n { return 200 "number\\n"; }
    location = /k { return 200 "number\\n"; }
    location = /slow.bin { limit_rate 40k; }
    location / { return 200 "page\\n"; }`,
    );
  });
  afterAll(async () => nginx?.stop());

  it('--rotate 2s --keep 10s for 30 s: every request of the files kept listed once, the budget kept', async () => {
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '2s', '--keep', '10s', '--port', String(nginx.port)]);
    await rec.ready;
    const started = Date.now();
    const curl = numbered(nginx.port, '/n', 1, 100_000, '50/s');
    // whatever fails below, the next test must not record this one's client
    onTestFinished(() => void curl.proc.kill('SIGTERM'));
    let slow: Promise<unknown> | null = null;
    while (Date.now() - started < 30_000) {
      const r = await ab(`http://127.0.0.1:${nginx.port}/page`, { requests: 50, concurrency: 2 });
      expect(r.failed).toBe(0);
      // six seconds at 40 kB/s, ending before the run does: it spans three or four files, all kept
      if (!slow && Date.now() - started > 21_000)
        slow = new Promise((resolve) => spawn('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${nginx.port}/slow.bin`]).on('exit', resolve));
      await wait(200);
    }
    // while it records: the newest file, being written, is part of the directory's history
    const latest = curl.answered().at(-1)!;
    const live = numbers(lsDir(dir, 'path:/n'));
    expect(Math.max(...live)).toBeGreaterThanOrEqual(latest - 100);
    await slow;
    curl.proc.kill('SIGTERM');
    await curl.done;
    await wait(500);
    rec.proc.kill('SIGINT');
    expect((await rec.exited).code, rec.stderr).toBe(0);
    const made = served(accessLog, '/n');
    expect(made.length).toBeGreaterThan(1000);
    expect(curl.answered()).toEqual(made.slice(0, curl.answered().length));

    // the budget: old files went, only closed ones, and what is left ended within --keep of the last switch
    const deleted = [...rec.stderr.matchAll(/^deleted (\S+) \(past the --keep budget\)$/gm)].map((m) => m[1]);
    const left = chainFiles(dir);
    expect(deleted.length).toBeGreaterThanOrEqual(5);
    for (const name of deleted) expect(left).not.toContain(name);
    expect(deleted.every((name) => name < left[0])).toBe(true);
    const newest = statSync(join(dir, left[left.length - 1]));
    const newestStart = newest.birthtimeMs || newest.ctimeMs;
    for (const name of left.slice(0, -1)) expect(statSync(join(dir, name)).mtimeMs, name).toBeGreaterThan(newestStart - 10_000 - 2_500);

    // every numbered request of the files kept: once each, none missing from the first kept to the last made
    const listed = numbers(lsDir(dir, 'path:/n'));
    expect(new Set(listed).size, 'no request listed twice').toBe(listed.length);
    const first = Math.min(...listed);
    expect(first).toBeGreaterThan(1);
    // the files kept span --keep (10 s) at least: at 50 a second, some 500 requests
    expect(listed.length).toBeGreaterThan(400);
    // nginx's own account of the same requests
    expect(listed).toEqual(made.filter((n) => n >= first));

    // the download that spanned files: one exchange, its whole body
    const slowRows = lsDir(dir, 'path:/slow.bin');
    expect(slowRows.map((r) => [r.status, r.response_size])).toEqual([[200, 240_000]]);

    // a time range: from the middle of what is kept, only what started since then, in order
    const all = lsDir(dir, 'path:/n') as (Listed & { started_ns: string })[];
    const middle = all[Math.floor(all.length / 2)];
    const since = new Date(Number(BigInt(middle.started_ns) / 1_000_000n)).toISOString();
    const later = all.filter((r) => BigInt(r.started_ns) >= BigInt(Date.parse(since)) * 1_000_000n).map((r) => r.id);
    expect(lsDir(dir, 'path:/n', '--since', since).map((r) => r.id)).toEqual(later);
    expect(later.length).toBeGreaterThan(100);

    // search, show and export read the same history, by the ids ls gives
    const pick = lsDir(dir, 'path:/n').at(-3)!;
    const search = spawnSync(process.execPath, [CLI, 'search', dir, pick.query!, '--json'], { encoding: 'utf8' });
    expect(search.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toContain(pick.id);
    const show = spawnSync(process.execPath, [CLI, 'show', dir, pick.id, '--json'], { encoding: 'utf8' });
    expect(show.status, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: pick.id, file: pick.file });
    const har = spawnSync(process.execPath, [CLI, 'export', dir, '--har', 'path:/slow.bin'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const entries = (JSON.parse(har.stdout) as { log: { entries: { _tinytapId: string; response: { content: { size: number } } }[] } }).log.entries;
    expect(entries.map((e) => [e._tinytapId, e.response.content.size])).toEqual([[slowRows[0].id, 240_000]]);
  });

  it('SIGKILL as a new file of the chain appears: every file readable, nothing lost beyond the commit interval', async () => {
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '1s', '--port', String(nginx.port)]);
    await rec.ready;
    const curl = numbered(nginx.port, '/k', 1, 100_000, '100/s');
    onTestFinished(() => void curl.proc.kill('SIGTERM'));
    await wait(2_500);
    // the moment the next file is made, the recorder is inside its switch
    const before = chainFiles(dir).length;
    while (chainFiles(dir).length === before) await wait(2);
    rec.proc.kill('SIGKILL');
    // what nginx had answered when the recorder died (its exit, the programs detached, comes later)
    const answeredAtKill = served(accessLog, '/k').length;
    await rec.exited;
    curl.proc.kill('SIGTERM');
    await curl.done;
    const answered = served(accessLog, '/k');
    for (const name of chainFiles(dir)) {
      const r = spawnSync(process.execPath, [CLI, 'info', join(dir, name)], { encoding: 'utf8' });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
    const listed = numbers(lsDir(dir, 'path:/k'));
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed[0]).toBe(1);
    expect(listed).toEqual(answered.slice(0, listed.length));
    // a commit every 250 ms: at 100 requests/s, what a killed recorder had not committed is about 25
    const lost = answeredAtKill - listed.length;
    expect(lost, `${lost} answered before the kill are not in the files`).toBeLessThanOrEqual(60);
  });
});
