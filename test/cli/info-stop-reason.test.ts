// `tinytap info` says how a recording ended, in words, for every stop_reason (SPEC.md §3.1).
import { describe, expect, it } from 'vitest';

import { formatInfo } from '../../src/cli/info.js';
import { noDrops } from '../../src/session/drops.js';
import type { SessionInfo } from '../../src/session/session-info.js';

function info(stopReason: string | null): SessionInfo {
  return {
    file: 's.tinytap',
    fileBytes: 1000,
    chain: null,
    schemaVersion: 1,
    tinytapVersion: '0.1.0',
    host: 'h',
    kernel: '6.18',
    startedAt: '2026-01-01T00:00:00.000Z',
    stoppedAt: '2026-01-01T00:00:05.000Z',
    stopReason,
    finished: true,
    recorderPid: null,
    durationMs: 5000,
    commandLine: ['tinytap', 'record'],
    filters: null,
    maxPayload: 262144,
    events: 0,
    bytes: 0,
    capturedBytes: 0,
    connections: 0,
    processes: 0,
    drops: noDrops(),
    damage: { blocks: 0, records: 0, rows: 0, meta: 0 },
    damageChecked: true,
    damageExamples: [],
    complete: true,
    sendfileBodies: null,
  };
}

function stoppedLine(reason: string | null): string {
  return formatInfo(info(reason), false)
    .text.split('\n')
    .find((l) => l.startsWith('stopped'))!
    .replace(/^stopped +/, '');
}

describe('info: how a recording ended', () => {
  it('says each reason in words', () => {
    expect(stoppedLine('signal')).toBe('2026-01-01T00:00:05.000Z (signal: stopped by a signal (Ctrl-C))');
    expect(stoppedLine('duration')).toBe('2026-01-01T00:00:05.000Z (duration: --duration elapsed)');
    expect(stoppedLine('command-exited')).toBe('2026-01-01T00:00:05.000Z (command-exited: the recorded command exited)');
    expect(stoppedLine('quit')).toBe('2026-01-01T00:00:05.000Z (quit: the UI of record --tui was left)');
    expect(stoppedLine('disk-full')).toBe('2026-01-01T00:00:05.000Z (disk-full: the disk was full: records after the last commit are missing)');
    expect(stoppedLine('write-error')).toBe('2026-01-01T00:00:05.000Z (write-error: writing failed: records after the last commit may be missing)');
    expect(stoppedLine('capture-error')).toBe(
      "2026-01-01T00:00:05.000Z (capture-error: reading the kernel's ring buffer failed: capture ended early)",
    );
    expect(stoppedLine('worker-exit')).toBe(
      "2026-01-01T00:00:05.000Z (worker-exit: the recorder's worker thread died: records after the last commit are missing)",
    );
  });

  it('shows a reason it does not know (a newer tinytap, an older file) as it is', () => {
    expect(stoppedLine('error')).toBe('2026-01-01T00:00:05.000Z (error)');
    expect(stoppedLine(null)).toBe('2026-01-01T00:00:05.000Z (no reason recorded)');
  });

  it('marks the faults in red on a terminal', () => {
    const line = formatInfo(info('capture-error'), true).text.split('\n').find((l) => l.startsWith('stopped'))!;
    expect(line).toContain('\x1b[31;1mcapture-error:');
    expect(formatInfo(info('signal'), true).text).not.toContain('\x1b[31;1msignal');
  });
});
