// `tinytap open` in a real terminal: tmux runs it on a session recorded from real curl traffic
// (and on one still being recorded, with --follow), keys are sent as a person types them, and
// each step's screen is read back with capture-pane. Every wait polls the screen.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compareChainNames } from '../../src/files/chain-names.js';
import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { Terminal, hasTmux } from '../helpers/tmux-terminal.js';
import { CLI, type Server, asNobody, curl, describeCapture, recordWhile, runRecorder, sharedDir, startNodeServer, tempDir } from './harness.js';

const selected = (t: Terminal) => t.lines().find((l) => l.startsWith('›')) ?? '';

describe.skipIf(!hasTmux)('tinytap open outside a terminal', () => {
  it('refuses with one line pointing to tinytap ls when stdout is not a terminal', async () => {
    const file = join(tempDir('tinytap-tui-e2e-'), 's.tinytap');
    const s = new ScriptedSession(file);
    const c = s.tcp(CURL, NODE);
    c.send('c2s', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    c.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
    c.close();
    await s.finish();
    const r = spawnSync(process.execPath, [CLI, 'open', file], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`tinytap: open needs a terminal; to list the exchanges in a pipe or a script, use: tinytap ls ${file}\n`);
  });
});

describeCapture('tinytap open in a real terminal', () => {
  let node: Server;
  let file = '';
  const t = new Terminal(CLI);

  beforeAll(async () => {
    if (!hasTmux) throw new Error('these tests need tmux (apt-get install tmux)');
    node = await startNodeServer();
    const n = `http://127.0.0.1:${node.port}`;
    const rec = await recordWhile(['--port', String(node.port)], async () => {
      await curl('-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', `${n}/json`, `${n}/chunked`, `${n}/gzip`, `${n}/missing`);
      await curl('-o', '/dev/null', '-H', 'Content-Type: application/json', '--data-binary', '{"order":"pineapple-pizza","qty":3}', `${n}/echo`);
    });
    expect(rec.code, rec.stderr).toBe(0);
    file = rec.file;
  });
  afterAll(async () => {
    t.kill();
    await node?.stop();
  });

  it('lists, filters, opens the detail, switches tabs, follows a resize, and quits', async () => {
    t.start(['open', file]);
    const port = node.port;
    await t.waitFor((s) => s.includes('5 exchanges'), 'the first list');
    let lines = t.lines();
    expect(lines[0]).toBe('tinytap [Exchanges]  Connections    v switches');
    expect(lines[1]).toMatch(/^ {2}TIME↑ +CLIENT → SERVER +METHOD +HOST\/PATH +STATUS +SIZE +DUR +WATERFALL$/);
    const rows = lines.filter((l) => /^[› ] \d\d:\d\d:\d\d\.\d{3} /.test(l));
    expect(rows.map((r) => /(GET|POST) +127\.0\.0\.1:\d+(\/\w+) +(\d{3})/.exec(r)!.slice(1).join(' '))).toEqual([
      'GET /json 200',
      'GET /chunked 200',
      'GET /gzip 200',
      'GET /missing 404',
      'POST /echo 200',
    ]);
    expect(rows[0]).toMatch(new RegExp(`^› .* curl \\d+ → node ${node.proc.pid} +GET +127\\.0\\.0\\.1:${port}/json +200 +42 B `));
    expect(lines.at(-1)).toMatch(/^session\.tinytap │ 5 exchanges │ sort time ↑ │ \? help *$/);

    t.keys('j');
    await t.waitFor(() => selected(t).includes('/chunked'), 'j to select /chunked');

    t.keys('/');
    await t.waitFor((s) => s.includes('filter: █'), 'the filter bar');
    t.type('status:404');
    await t.waitFor((s) => s.includes('1 / 5 exchanges'), 'the filter applied as typed');
    t.keys('Enter');
    await t.waitFor((s) => !s.includes('filter: '), 'the bar to close');
    lines = t.lines();
    expect(lines.filter((l) => /^[› ] \d\d:/.test(l))).toHaveLength(1);
    expect(selected(t)).toMatch(/GET +127\.0\.0\.1:\d+\/missing +404 /);
    expect(lines.at(-1)).toMatch(/│ 1 \/ 5 exchanges │ filter status:404 │/);

    t.keys('Enter');
    await t.waitFor((s) => s.includes('[Headers]'), 'the detail pane');
    expect(t.lines()).toContain(`#4  GET http://127.0.0.1:${port}/missing  →  404 Not Found  ${/\d+(\.\d)? (ms|µs)/.exec(t.screen().split('404 Not Found  ')[1])![0]}`);
    expect(t.screen()).toMatch(/\nGET \/missing HTTP\/1\.1 *\nHost: 127\.0\.0\.1:\d+ *\nUser-Agent: curl\//);

    t.keys('Tab', 'Tab');
    await t.waitFor((s) => s.includes('[Response body]'), 'the Response body tab');
    expect(t.screen()).toMatch(/Response body {2}text\/plain · 10 B *\n *\nnot found *\n/);
    t.keys('Tab');
    await t.waitFor((s) => s.includes('[Timing]'), 'the Timing tab');
    expect(t.screen()).toMatch(/\nTotal +\d/);
    t.keys('BTab', 'BTab', 'BTab');
    await t.waitFor((s) => s.includes('[Headers]'), 'Shift-Tab back to Headers');

    t.keys('Escape');
    await t.waitFor((s) => !s.includes('[Headers]'), 'Esc back to the list');
    t.keys('/');
    await t.waitFor((s) => s.includes('filter: status:404█'), 'the filter bar with the filter');
    t.keys('C-u', 'Enter');
    await t.waitFor((s) => /│ 5 exchanges │/.test(s), 'the filter cleared');
    // other rows: the list starts again from the top
    expect(selected(t)).toMatch(/GET +127\.0\.0\.1:\d+\/json +200 /);
    t.keys('j', 'j', 'j');
    await t.waitFor(() => selected(t).includes('/missing'), 'j to select /missing');

    t.resize(80, 24);
    await t.waitFor((s) => / TIMELINE *\n/.test(s), 'the layout for 80 columns');
    expect(t.lines()).toHaveLength(24);
    expect(selected(t)).toMatch(/GET +127\.0\.0\.1:\d+\/miss… +404 /);

    t.keys('q');
    await t.waitFor(() => t.exitStatus() !== null, 'tinytap to exit');
    expect(t.exitStatus()).toBe(0);
  });
});

describeCapture('tinytap open --follow in a real terminal', () => {
  let node: Server;
  const t = new Terminal(CLI);
  afterAll(async () => {
    t.kill();
    await node?.stop();
  });

  it('shows exchanges as they are recorded, and when the recording stops', async () => {
    if (!hasTmux) throw new Error('these tests need tmux (apt-get install tmux)');
    node = await startNodeServer();
    const file = join(tempDir('tinytap-tui-follow-'), 'live.tinytap');
    const rec = runRecorder(['-o', file, '--port', String(node.port)]);
    await rec.ready;
    try {
      t.start(['open', '--follow', file]);
      await t.waitFor((s) => s.includes('● recording'), 'the recording indicator');
      expect(t.screen()).toContain('no exchanges yet: waiting for traffic');
      await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
      // Enter on a list still empty opens nothing: the exchange comes within a commit and a poll
      await t.waitFor((s) => /│ 1 exchange │/.test(s), 'the first exchange');
      t.keys('Enter');
      await t.waitFor((s) => s.includes('[Headers]'), 'the detail of the first exchange');
      await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/gzip`);
      await t.waitFor((s) => /│ 2 exchanges │/.test(s), 'the second exchange');
      // the selection stayed on the first exchange
      expect(selected(t)).toContain('/json');
      expect(t.screen()).toContain('GET /json HTTP/1.1');
    } finally {
      rec.proc.kill('SIGINT');
      await rec.exited;
    }
    await t.waitFor((s) => !s.includes('● recording'), 'the indicator to go when the recording stops');
    t.keys('q');
    await t.waitFor(() => t.exitStatus() !== null, 'tinytap to exit');
    expect(t.exitStatus()).toBe(0);
  });
});

describe('tinytap open DIR: the newest file of a record --dir chain', () => {
  const t = new Terminal(CLI);
  afterAll(() => t.kill());

  it('opens the newest file (its name in the status line)', async () => {
    if (!hasTmux) throw new Error('these tests need tmux (apt-get install tmux)');
    const dir = tempDir('tinytap-tui-dir-');
    const s = new ScriptedSession(join(dir, 'tinytap-20261203-100000.tinytap'));
    const c = s.tcp(CURL, NODE, { serverPort: 8080 });
    c.send('c2s', 'GET /in-the-first HTTP/1.1\r\nHost: a\r\n\r\n');
    c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    s.rotate();
    c.send('c2s', 'GET /in-the-newest HTTP/1.1\r\nHost: a\r\n\r\n');
    c.send('s2c', 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    c.close();
    const files = await s.finish();
    t.start(['open', dir]);
    await t.waitFor((screen) => /GET +a\/in-the-newest +404 /.test(screen), 'the newest file\'s exchange');
    expect(t.screen()).not.toContain('in-the-first');
    expect(t.screen()).toContain(files[1].slice(dir.length + 1));
    t.keys('q');
    await t.waitFor(() => t.exitStatus() !== null, 'tinytap to exit');
    expect(t.exitStatus()).toBe(0);
  });
});

describeCapture('tinytap open --follow DIR: the newest file of a running record --dir, then the next', () => {
  let node: Server;
  const t = new Terminal(CLI);
  afterAll(async () => {
    t.kill();
    await node?.stop();
  });

  it('follows the recorder into each new file of its chain', async () => {
    if (!hasTmux) throw new Error('these tests need tmux (apt-get install tmux)');
    node = await startNodeServer();
    const dir = join(tempDir('tinytap-tui-chain-'), 'chain');
    const rec = runRecorder(['--dir', dir, '--rotate', '2s', '--port', String(node.port)]);
    await rec.ready;
    try {
      t.start(['open', '--follow', dir]);
      await t.waitFor((s) => s.includes('● recording'), 'the recording indicator');
      // the UI shows one file at a time: an exchange may be in a file it has already left
      await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
      // the recorder closes each file for the next every two seconds, and the UI goes on in it,
      // where a keep-alive connection open across the switch goes on too: curl asks for /gzip for
      // four seconds, then for /missing each second
      const urls = [...Array<string>(4).fill('/gzip'), ...Array<string>(8).fill('/missing')];
      const kept = curl('--rate', '1/s', ...urls.flatMap((p) => ['-o', '/dev/null', `http://127.0.0.1:${node.port}${p}`]));
      const seen = await t.waitFor((s) => /GET +127\.0\.0\.1:\d+\/missing +404 /.test(s), 'an exchange on a connection opened in a file before');
      await kept;
      // every request once across the chain, the one connection going on through the switches;
      // the last ones are in the file being written once the recorder's next commit is in
      const listed = () =>
        spawnSync(process.execPath, [CLI, 'ls', dir, '--json'], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { path: string; file: string });
      let rows = listed();
      for (let tries = 0; rows.length < urls.length + 1 && tries < 20; tries++) {
        await new Promise((r) => setTimeout(r, 250));
        rows = listed();
      }
      expect(rows.map((r) => r.path)).toEqual(['/json', ...urls]);
      const gzipFile = basename(rows[1].file);
      expect(compareChainNames(basename(rows[rows.length - 1].file), gzipFile)).toBeGreaterThan(0);
      // the UI showed that connection's /missing in a file after the one it began in
      const shown = /(tinytap-\d{8}-\d{6}(?:-\d+)?\.tinytap) │/.exec(seen)?.[1];
      expect(shown).toMatch(/\.tinytap$/);
      expect(compareChainNames(shown!, gzipFile)).toBeGreaterThan(0);
      expect(t.screen()).toContain('● recording');
    } finally {
      rec.proc.kill('SIGINT');
      await rec.exited;
    }
    t.keys('q');
    await t.waitFor(() => t.exitStatus() !== null, 'tinytap to exit');
    expect(t.exitStatus()).toBe(0);
  });
});

describeCapture('tinytap record --tui', () => {
  let node: Server;
  const t = new Terminal(CLI);
  afterAll(async () => {
    t.kill();
    await node?.stop();
  });

  it('shows the exchanges of the recording it runs, and q stops the recording and keeps the file', async () => {
    if (!hasTmux) throw new Error('these tests need tmux (apt-get install tmux)');
    node = await startNodeServer();
    const file = join(tempDir('tinytap-record-tui-'), 'rec.tinytap');
    t.start(['record', '--tui', '-o', file, '--port', String(node.port)]);
    await t.waitFor((s) => s.includes('● recording'), 'the recording indicator');
    await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/json`);
    await curl('-o', '/dev/null', `http://127.0.0.1:${node.port}/missing`);
    await t.waitFor((s) => /│ 2 exchanges │/.test(s), 'both exchanges');
    expect(t.screen()).toMatch(/curl( \d+)? → node( \d+)? +GET +127\.0\.0\.1:\d+\/missing +404 /);
    t.keys('q');
    await t.waitFor(() => t.exitStatus() !== null, 'tinytap to exit');
    expect(t.exitStatus()).toBe(0);
    // the UI gave the terminal back, and the summary follows it
    expect(t.screen()).toMatch(/recorded .*: .* → .*rec\.tinytap/);
    const r = spawnSync(process.execPath, [CLI, 'ls', file], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/GET +127\.0\.0\.1:\d+\/json +200 /);
    const info = spawnSync(process.execPath, [CLI, 'info', '--json', file], { encoding: 'utf8' });
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toContain('"quit"');
  });

  it('-- CMD: a link another user planted at FILE.log is refused before anything runs, its target untouched', async () => {
    // a sticky directory writable by nobody's group: the kernel's fs.protected_symlinks does not
    // cover it, so this is tinytap's own check
    const dir = sharedDir(0o1770);
    const file = join(dir, 'x.tinytap');
    const victim = join(tempDir('tinytap-record-tui-'), 'victim');
    writeFileSync(victim, 'precious\n');
    expect(asNobody('ln', '-s', victim, `${file}.log`).status).toBe(0);
    const t2 = new Terminal(CLI);
    try {
      t2.start(['record', '--tui', '-o', file, '--', 'sh', '-c', 'echo overwritten']);
      await t2.waitFor((s) => t2.exitStatus() !== null || s.includes('● recording'), 'tinytap to refuse (or start)');
      // a tinytap that went ahead is left at once, so that what it did can be seen
      if (t2.exitStatus() === null) t2.keys('q');
      await t2.waitFor(() => t2.exitStatus() !== null, 'tinytap to exit');
      expect(t2.exitStatus()).toBe(1);
      // the line is wider than the terminal: read with the history, wrapped lines joined
      expect(t2.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'tt')).toContain(
        `tinytap: ${file}.log is a symbolic link: tinytap never writes through a link; give the real path, or remove the link`,
      );
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(readdirSync(dir)).toEqual(['x.tinytap.log']);
    } finally {
      t2.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses in one line when stdout is not a terminal, before recording anything', () => {
    const file = join(tempDir('tinytap-record-tui-'), 'no.tinytap');
    const r = spawnSync(process.execPath, [CLI, 'record', '--tui', '-o', file], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('tinytap: record --tui needs a terminal; without --tui, record prints one line per connection\n');
    expect(existsSync(file)).toBe(false);
  });
});
