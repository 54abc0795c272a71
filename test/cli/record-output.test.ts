// What `tinytap record` prints, for people and, with --json, for scripts; and its help, which
// says when capture starts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { RecordOutput, type RecordOutputOptions, summaryLines } from '../../src/cli/record-output.js';
import { ConnCause, Role } from '../../src/events/layout.js';
import type { ConnectionNotice } from '../../src/record/capture.js';
import { zeroCounts } from '../../src/record/capture.js';
import type { RunOutcome } from '../../src/record/run-recording.js';
import type { TerminalText } from '../../src/render/terminal-text.js';
import { HOSTILE, HOSTILE_COMM, HOSTILE_PATH, OWN_SEQUENCES, terminalControls } from '../helpers/hostile-session.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/session-files.js';

function output(extra: Partial<RecordOutputOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const o = new RecordOutput({
    stdout: { write: (t: TerminalText) => out.push(t.text) },
    stderr: { write: (t: TerminalText) => err.push(t.text) },
    stdoutColor: false,
    stderrColor: false,
    quiet: false,
    json: false,
    tui: false,
    command: [],
    ...extra,
  });
  return { o, out, err };
}

const notice: ConnectionNotice = {
  connId: 4,
  wallNs: 1_800_000_000_000_000_000n,
  pid: 321,
  comm: 'curl',
  role: Role.CLIENT,
  cause: ConnCause.CONNECT,
  family: 2,
  type: 1,
  local: '127.0.0.1:5000',
  remote: '127.0.0.1:8080',
  error: 0,
};

function outcome(extra: Partial<RunOutcome['ended']> = {}): RunOutcome {
  return { ended: { reason: 'signal', counts: { ...zeroCounts(), events: 3 }, ...extra }, elapsedMs: 1500, commandExit: null, commandLog: null };
}

describe('record output', () => {
  it('for people: "recording to" on stderr, a line per connection on stdout, the summary at the end', () => {
    const { o, out, err } = output();
    o.started({ output: 'x.tinytap', sendfileBodies: { captured: true, note: '' }, tls: null });
    o.connection(notice);
    o.finished(outcome(), 'x.tinytap');
    expect(err[0]).toBe('recording to x.tinytap (Ctrl-C to stop)\n');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  curl \(321\)  client  127\.0\.0\.1:5000 → 127\.0\.0\.1:8080  tcp\n$/);
    expect(err[1]).toMatch(/^recorded 1\.5 s: 3 events, 0 B, 0 connections, 0 processes, 0 drops → x\.tinytap \(0 B\)\n$/);
  });

  it("the summary's size counts a WAL left beside the session (a full disk)", () => {
    const dir = tempDir('tinytap-summary-');
    const file = join(dir, 'x.tinytap');
    writeFileSync(file, Buffer.alloc(4096));
    writeFileSync(file + '-wal', Buffer.alloc(577_536));
    const { o, err } = output();
    o.finished(outcome({ reason: 'disk-full', error: { code: 'EDISKFULL', message: 'the disk is full' } }), file);
    expect(err[0]).toMatch(/ → .*x\.tinytap \(582 kB\)\n$/);
  });

  it('--json: a recording event when capture starts, an event per connection, an ended event with the reason', () => {
    const { o, out, err } = output({ json: true });
    o.started({ output: '/tmp/x.tinytap', sendfileBodies: { captured: false, note: 'no' }, tls: null });
    o.connection({ ...notice, cause: ConnCause.CONNECT_FAILED, error: 111 });
    o.finished(outcome({ reason: 'capture-error', error: { code: 'ECAPTURE', message: 'capture failed' } }), '/tmp/x.tinytap');
    const events = out.map((l) => JSON.parse(l));
    expect(events).toEqual([
      { event: 'recording', session: '/tmp/x.tinytap', pid: process.pid, sendfileBodies: false, tls: null },
      {
        event: 'connection',
        at: '2027-01-15T08:00:00.000Z',
        connId: 4,
        pid: 321,
        comm: 'curl',
        role: 'client',
        protocol: 'tcp',
        local: '127.0.0.1:5000',
        remote: '127.0.0.1:8080',
        connectFailed: 'ECONNREFUSED',
      },
      {
        event: 'ended',
        reason: 'capture-error',
        session: '/tmp/x.tinytap',
        elapsedMs: 1500,
        counts: { ...zeroCounts(), events: 3 },
        error: 'capture failed',
      },
    ]);
    // stderr is as without --json
    expect(err[0]).toBe('recording to /tmp/x.tinytap (Ctrl-C to stop)\n');
    expect(err[1]).toBe('note: no\n');
  });

  it('a start that failed: no summary, and for scripts an ended event without a session', () => {
    const { o, out, err } = output({ json: true });
    o.finished(outcome({ reason: 'start-failed', error: { code: 'EPERM', message: 'refused' } }), 'x.tinytap');
    expect(err).toEqual([]);
    expect(JSON.parse(out[0])).toMatchObject({ event: 'ended', reason: 'start-failed', session: null, error: 'refused' });
  });

  it('--help says that capture starts at "recording to", and how a script waits for it', async () => {
    const r = await runCli('record', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('capture starts when "recording to FILE" is printed');
    expect(r.out).toMatch(/--ready-file <path>/);
    expect(r.out).toMatch(/--json/);
  });

  it('refuses --json with --tui, and a ready file that exists, before recording anything', async () => {
    const both = await runCli('record', '--json', '--tui', '-o', '/tmp/never.tinytap');
    expect(both).toMatchObject({ code: 2, err: 'tinytap: --json and --tui cannot be used together: the UI needs the terminal that --json writes to\n' });
    const exists = await runCli('record', '--ready-file', '/etc/hostname', '-o', '/tmp/never.tinytap');
    expect(exists).toMatchObject({ code: 2, err: 'tinytap: --ready-file /etc/hostname already exists: remove it first, or choose another path\n' });
  });
});

describe('the summary', () => {
  it("counts the session's write-ahead log in its size (a recording that ended on a fault keeps one)", () => {
    const file = join(tempDir(), 's.tinytap');
    writeFileSync(file, Buffer.alloc(4096));
    writeFileSync(`${file}-wal`, Buffer.alloc(40960));
    expect(summaryLines(zeroCounts(), 1000, file, false)[0].text).toMatch(/ → .*s\.tinytap \(45 kB\)$/);
  });

  it('a process named with escape sequences, a unix path holding them, a hostile command: shown as text', () => {
    const { o, out, err } = output({ stdoutColor: true, stderrColor: true, command: [`x${HOSTILE.clipboard}`], verbose: true });
    // a TLS library's path and version come from files any user may place (a container's libssl)
    const library = { number: 1, kind: 'openssl' as const, name: `/lib/libssl${HOSTILE.title}.so`, version: `3${HOSTILE.c1Osc}`, functions: ['SSL_write'], error: null };
    o.started({ output: `s${HOSTILE.title}.tinytap`, sendfileBodies: { captured: false, note: `n${HOSTILE.c1Csi}` }, tls: [library] });
    o.tlsLibrary({ ...library, number: 2, error: `e${HOSTILE.clear}` });
    o.connection({ ...notice, comm: HOSTILE_COMM, family: 1, local: HOSTILE_PATH, remote: `${HOSTILE.c1Osc}` });
    o.connection({ ...notice, comm: HOSTILE_COMM, cause: ConnCause.CONNECT_FAILED, error: 111, remote: HOSTILE_PATH });
    o.connection({ ...notice, comm: HOSTILE_COMM, role: Role.SERVER, cause: ConnCause.SHARED });
    o.status({ ...zeroCounts(), events: 1 }, 10);
    o.commandFailed(`p${HOSTILE.clear}`, new Error(`e${HOSTILE.hide}`));
    o.finished({ ...outcome(), commandLog: `l${HOSTILE.clipboard}` }, `s${HOSTILE.title}.tinytap`);
    for (const text of [...out, ...err]) {
      // less our own colours and the status line's erase
      const data = Buffer.from(text.replace(OWN_SEQUENCES, ''), 'utf8');
      expect(terminalControls(data), text).toEqual([]);
    }
    expect(out[0]).toContain('\\x1b]0;x\\x07\\x9b2K\\x1b[8m (321)');
    expect(out[0]).toContain('/tmp/s\\x1b]52;c;aGFja2Vk\\x07\\x9b2J');
    expect(out[0]).toContain('\x1b[36mclient\x1b[0m');
  });
});

