// Standard output that cannot take everything: a reader that goes away (`| head`) ends every
// command quietly, with exit status 0; a full disk under `> file` is one line and a failure,
// never a cut document with status 0. Through the real CLI, with a real pipe and a real tmpfs.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { CLI, SessionView, curl, describeCapture, startNodeServer, tempDir } from './harness.js';

const EXCHANGES = 3000;
const BIG_BODY = 1 << 20;

/**
 * `EXCHANGES` exchanges, two per connection, on paths named with `prefix` (so that two sessions
 * share no endpoint and their diff is long), and last one with a body of `BIG_BODY` bytes.
 */
async function bigSession(file: string, prefix: string): Promise<void> {
  const s = new ScriptedSession(file);
  for (let i = 0; i < EXCHANGES; i += 2) {
    const c = s.tcp(CURL, NODE, { serverPort: 3000 });
    for (const n of [i, i + 1]) {
      c.send('c2s', `GET /${prefix}${n.toString(36)}/items?page=${n} HTTP/1.1\r\nHost: api.local\r\n\r\n`);
      s.wait(1);
      c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"id":${String(n % 1000).padStart(3, '0')}}`);
    }
    c.close();
  }
  const c = s.tcp(CURL, NODE, { serverPort: 3000 });
  c.send('c2s', 'GET /big HTTP/1.1\r\nHost: api.local\r\n\r\n');
  c.send('s2c', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BIG_BODY}\r\n\r\n`), Buffer.alloc(BIG_BODY, 'abcdefgh\n')]));
  c.close();
  await s.finish();
}

let a = '';
let b = '';
beforeAll(async () => {
  const dir = tempDir();
  a = join(dir, 'a.tinytap');
  b = join(dir, 'b.tinytap');
  await bigSession(a, 'a');
  await bigSession(b, 'b');
}, 120_000);

/** Every command that writes to stdout, with output larger than a pipe holds (64 kB). */
const commandArgs = (): [string, string[]][] => [
  // the whole table in a single write
  ['ls', ['ls', a]],
  ['ls --json', ['ls', a, '--json']],
  ['search', ['search', a, 'items']],
  ['search --json', ['search', a, 'items', '--json']],
  // a 1 MB body in a single write
  ['show --full', ['show', a, String(EXCHANGES + 1), '--full']],
  ['show --raw', ['show', a, String(EXCHANGES + 1), '--raw']],
  // (with the process's command line as recorded: otherwise a note on stderr says it was left out)
  ['show --json', ['show', a, String(EXCHANGES + 1), '--json', '--include-secrets']],
  ['conns', ['conns', a]],
  ['conns --json', ['conns', a, '--json']],
  ['export --har', ['export', a, '--har']],
  ['export --curl', ['export', a, '--curl']],
  ['export --postman', ['export', a, '--postman']],
  ['diff', ['diff', a, b]],
  ['diff --json', ['diff', a, b, '--json']],
  ['info', ['info', a]],
];
/** The names (it.each runs before beforeAll has made the files); argsOf gives the arguments. */
const commands = (): string[][] => commandArgs().map(([name]) => [name]);
const argsOf = (name: string): string[] => commandArgs().find(([n]) => n === name)![1];

/** Runs `tinytap ARGS | READER` through a real pipe (bash); its status and its stderr. */
function piped(args: string[], reader: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" "$@" | ${reader}; exit \${PIPESTATUS[0]}`, 'bash', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that goes away ends the command quietly', () => {
  it.each(commands())('%s | head -c 100', async (name) => {
    expect(await piped(argsOf(name), 'head -c 100 > /dev/null')).toEqual({ code: 0, stderr: '' });
  });

  it.each(commands())('%s | true (gone before the first write)', async (name) => {
    expect(await piped(argsOf(name), 'true')).toEqual({ code: 0, stderr: '' });
  });
});

describeCapture('a full disk under stdout is an error', () => {
  /** Runs `tinytap ARGS > FILE` with FILE on a tmpfs of `size`; its status, stderr and FILE's size. */
  async function toFullDisk(args: string[], size = '48k'): Promise<{ code: number | null; stderr: string; written: number }> {
    const dir = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tinytap-full', dir]);
    try {
      const out = join(dir, 'out');
      const fd = openSync(out, 'w');
      try {
        const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', fd, 'pipe'] });
        let stderr = '';
        p.stderr?.on('data', (d) => (stderr += d));
        const code = await new Promise<number | null>((resolve) => p.on('exit', resolve));
        return { code, stderr, written: statSync(out).size };
      } finally {
        closeSync(fd);
      }
    } finally {
      execFileSync('umount', [dir]);
    }
  }

  // export used to exit 0 with a document cut at the size of the disk (Node's stdout to a file
  // drops what a short write leaves), and ls with a stack trace
  it.each(commands().filter(([name]) => name !== 'info'))('%s > full disk', async (name) => {
    const r = await toFullDisk(argsOf(name));
    expect(r.stderr).toBe('tinytap: cannot write the output (the disk is full): what was written is incomplete\n');
    // diff's 1 means "differs": a failure to compare is 2
    expect(r.code).toBe(name.startsWith('diff') ? 2 : 1);
    expect(r.written).toBeGreaterThan(0);
  });

  it('a document that fits is whole, and the status 0', async () => {
    const small = join(tempDir(), 'small.tinytap');
    const s = new ScriptedSession(small);
    const c = s.tcp(CURL, NODE, { serverPort: 3000 });
    c.send('c2s', 'GET / HTTP/1.1\r\nHost: api.local\r\n\r\n');
    c.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
    c.close();
    await s.finish();
    const dir = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tinytap-full', dir]);
    try {
      const out = join(dir, 'out.har');
      const fd = openSync(out, 'w');
      const p = spawn(process.execPath, [CLI, 'export', small, '--har'], { stdio: ['ignore', fd, 'ignore'] });
      const code = await new Promise<number | null>((resolve) => p.on('exit', resolve));
      closeSync(fd);
      expect(code).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')).log.entries).toHaveLength(1);
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});

describeCapture('record | head', () => {
  // record prints a line per connection on stdout (--json: an event): its reader going away
  // used to end the process in the middle of the recording, the file left unfinished
  it.each([[[]], [['--json']]])('stops the recording as a hang-up would, and the file is finished (%j)', async (flags: string[]) => {
    const server = await startNodeServer();
    try {
      const file = join(tempDir(), 'piped.tinytap');
      const p = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" record -o "$1" --port "$2" "\${@:3}" | head -c 1 > /dev/null; exit \${PIPESTATUS[0]}`, 'bash', file, String(server.port), ...flags], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => p.on('exit', resolve));
      let done = false;
      void exited.then(() => (done = true));
      for (let i = 0; i < 100 && !done && !stderr.includes('recording to'); i++) await new Promise((r) => setTimeout(r, 100));
      // one connection for head's byte, the next ones find the pipe closed
      for (let i = 0; i < 50 && !done; i++) {
        await curl('-o', '/dev/null', `http://127.0.0.1:${server.port}/`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/^recording to .*\n(tls: .*\n)?recorded .* → /);
      expect(stderr).not.toMatch(/tinytap: |at .*\.js:\d+/);
      // a clean end checkpoints the log into the file
      expect(existsSync(`${file}-wal`)).toBe(false);
      const s = new SessionView(file);
      try {
        expect(s.meta('stop_reason')).toBe('signal');
      } finally {
        s.close();
      }
    } finally {
      await server.stop();
    }
  });
});

