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
import { afterAll, beforeAll, expect, it } from 'vitest';

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

/** curl asking for /n?i=FIRST..LAST in order on one connection, at `rate` per second; resolves with the numbers it got answers for. */
function numbered(port: number, first: number, last: number, rate: string) {
  const proc = spawn('curl', ['-s', '--rate', rate, '-o', '/dev/null', '-w', '%{http_code} %{url_effective}\\n', `http://127.0.0.1:${port}/n?i=[${first}-${last}]`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const done = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return {
    proc,
    done,
    /** The numbers curl has printed an answer for so far. */
    answered: () => [...out.matchAll(/^200 \S+\?i=(\d+)$/gm)].map((m) => Number(m[1])),
  };
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
    const curl = numbered(nginx.port, 1, 100_000, '50/s');
    let slow: Promise<unknown> | null = null;
    while (Date.now() - started < 30_000) {
      const r = await ab(`http://127.0.0.1:${nginx.port}/page`, { requests: 50, concurrency: 2 });
      expect(r.failed).toBe(0);
      // six seconds at 40 kB/s, ending before the run does: it spans three or four files, all kept
      if (!slow && Date.now() - started > 21_000)
        slow = new Promise((resolve) => spawn('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${nginx.port}/slow.bin`]).on('exit', resolve));
      await wait(200);
    }
    await slow;
    curl.proc.kill('SIGTERM');
    await curl.done;
    await wait(500);
    rec.proc.kill('SIGINT');
    expect((await rec.exited).code, rec.stderr).toBe(0);
    const made = curl.answered();
    expect(made.length).toBeGreaterThan(1000);

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
    expect(listed).toEqual(made.filter((n) => n >= first));
    // nginx's own account of the same requests
    const served = [...readFileSync(accessLog, 'utf8').matchAll(/"GET \/n\?i=(\d+) HTTP\/1\.1" 200/g)].map((m) => Number(m[1]));
    expect(served.filter((n) => n >= first)).toEqual(listed);

    // the download that spanned files: one exchange, its whole body
    const slowRows = lsDir(dir, 'path:/slow.bin');
    expect(slowRows.map((r) => [r.status, r.response_size])).toEqual([[200, 240_000]]);
  });

  it('SIGKILL as a new file of the chain appears: every file readable, nothing lost beyond the commit interval', async () => {
    const dir = join(tempDir(), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '1s', '--port', String(nginx.port)]);
    await rec.ready;
    const curl = numbered(nginx.port, 1, 100_000, '100/s');
    await wait(2_500);
    // the moment the next file is made, the recorder is inside its switch
    const before = chainFiles(dir).length;
    while (chainFiles(dir).length === before) await wait(2);
    rec.proc.kill('SIGKILL');
    // what curl had been answered when the recorder died (its exit, the programs detached, comes later)
    const answeredAtKill = curl.answered().length;
    await rec.exited;
    curl.proc.kill('SIGTERM');
    await curl.done;
    const answered = curl.answered();
    for (const name of chainFiles(dir)) {
      const r = spawnSync(process.execPath, [CLI, 'info', join(dir, name)], { encoding: 'utf8' });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
    const listed = numbers(lsDir(dir, 'path:/n'));
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed[0]).toBe(1);
    expect(listed).toEqual(answered.slice(0, listed.length));
    // a commit every 250 ms: at 100 requests/s, what a killed recorder had not committed is about 25
    const lost = answeredAtKill - listed.length;
    expect(lost, `${lost} answered before the kill are not in the files`).toBeLessThanOrEqual(60);
  });
});
