// What `tinytap record` prints.
import { describe, expect, it } from 'vitest';

import { RecordOutput, type RecordOutputOptions } from '../../src/cli/record-output.js';
import { ConnCause, Role } from '../../src/events/layout.js';
import type { ConnectionNotice } from '../../src/record/capture.js';
import { zeroCounts } from '../../src/record/capture.js';
import type { RunOutcome } from '../../src/record/run-recording.js';

function output(extra: Partial<RecordOutputOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const o = new RecordOutput({
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    stdoutColor: false,
    stderrColor: false,
    quiet: false,
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
    o.started({ output: 'x.tinytap', sendfileBodies: { captured: true, note: '' } });
    o.connection(notice);
    o.finished(outcome(), 'x.tinytap');
    expect(err[0]).toBe('recording to x.tinytap (Ctrl-C to stop)\n');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  curl \(321\)  client  127\.0\.0\.1:5000 → 127\.0\.0\.1:8080  tcp\n$/);
    expect(err[1]).toMatch(/^recorded 1\.5 s: 3 events, 0 B, 0 connections, 0 processes, 0 drops → x\.tinytap \(0 B\)\n$/);
  });

  it('a start that failed: no summary', () => {
    const { o, out, err } = output();
    o.finished(outcome({ reason: 'start-failed', error: { code: 'EPERM', message: 'refused' } }), 'x.tinytap');
    expect(err).toEqual([]);
    expect(out).toEqual([]);
  });
});
