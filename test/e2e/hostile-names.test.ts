// A local user's process that names itself with escape sequences (prctl PR_SET_NAME), binds a
// unix socket whose path holds them, puts them in its command line, and connects: what
// `tinytap record` prints about it, and `conns`/`ls`/`show` of the session, show them as text.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { OWN_SEQUENCES, terminalControls } from '../helpers/hostile-session.js';
import { CLI, type Server, TESTDATA, describeCapture, freePort, run, runRecorder, startNodeServer, tempDir } from './harness.js';

/** A user of this machine who is not root, made up for the test (no account needed to run as it). */
const OTHER_UID = 64123;
/** /usr/bin's: root's pyenv shims are not readable by another user. */
const PYTHON = '/usr/bin/python3';

/** The controls in what a command wrote (UTF-8), less its own colours. */
function controlsIn(text: string): string[] {
  return terminalControls(Buffer.from(text.replace(OWN_SEQUENCES, ''), 'utf8'));
}

/** `tinytap ARGS`, its stdout as text. */
function tinytap(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

describeCapture('a hostile process name, command line and unix path', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startNodeServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reach the terminal escaped: record\'s connection lines, conns, ls, show', async () => {
    const dir = tempDir();
    const work = join(dir, 'sockets');
    run('mkdir', [work]);
    chownSync(work, OTHER_UID, OTHER_UID);
    chmodSync(dir, 0o755);
    const closed = await freePort();
    const hostile = spawn(
      PYTHON,
      [join(TESTDATA, 'clients/hostile-names.py'), work, String(server.port), String(closed), '\x1b]52;c;aGFja2Vk\x07', '\x1b[2J\x9b2J'],
      { uid: OTHER_UID, gid: OTHER_UID, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    hostile.stdout.on('data', (d) => (out += d));
    hostile.stderr.on('data', (d) => (err += d));
    const finished = new Promise<number | null>((resolve) => hostile.on('exit', resolve));

    const file = join(dir, 'hostile.tinytap');
    const rec = runRecorder(['-o', file, '--pid', String(hostile.pid)]);
    await rec.ready;
    hostile.stdin.end('go\n');
    expect(await finished, err).toBe(0);
    expect(out).toBe('done\n');
    // the drain thread hands batches over every 50 ms
    await new Promise((r) => setTimeout(r, 300));
    rec.proc.kill('SIGINT');
    await rec.exited;

    // one line per connection: the unix pair, the TCP one, the failed connect
    const lines = rec.stdout.split('\n').filter((l) => l);
    expect(lines.length, rec.stdout).toBeGreaterThanOrEqual(4);
    expect(controlsIn(rec.stdout)).toEqual([]);
    expect(controlsIn(rec.stderr)).toEqual([]);
    expect(rec.stdout).toContain('\\x1b]0;pwn\\x07\\x1b[2J');
    expect(rec.stdout).toContain('s\\x1b]52;c;aGFja2Vk\\x07\\x9d0;t\\x9c');
    expect(rec.stdout).toMatch(/connect failed ECONNREFUSED/);

    // the session names processes as they were when they started (python3); their command
    // lines and the socket's path are the hostile part there
    for (const args of [['conns', file], ['ls', file], ['show', file, '1'], ['conns', file, '--json'], ['show', file, '1', '--json', '--include-secrets']]) {
      const text = tinytap(...args);
      expect(controlsIn(text), args.join(' ')).toEqual([]);
    }
    expect(tinytap('conns', file)).toContain('/sockets/s\\x1b]52;c;aGFja2Vk\\x07\\x9d0;t\\x9c');
    expect(tinytap('show', file, '1')).toContain('\\x1b]52;c;aGFja2Vk\\x07 \\x1b[2J\\x9b2J');
  });
});
