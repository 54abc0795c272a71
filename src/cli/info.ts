/** tinytap info FILE: what a session holds and whether it is complete. */
import { statSync } from 'node:fs';
import type { Command } from 'commander';

import { type StopReason, isFault } from '../record/lifecycle.js';
import { openSessionDb, isCorruptionError, corruptError } from '../session/open-session.js';
import { type SessionInfo, sessionInfo } from '../session/session-info.js';
import { CliError } from './errors.js';
import { formatBytes, formatCount, formatDurationMs, paint, useColor } from './format.js';
import { damageCounts } from './open-session.js';
import { safeText } from './terminal.js';

/** meta `stop_reason` (SPEC.md §3.1) in words; the faults say what the file is missing. */
const STOP_REASONS: Record<Exclude<StopReason, 'start-failed'>, string> = {
  signal: 'stopped by a signal (Ctrl-C)',
  duration: '--duration elapsed',
  'command-exited': 'the recorded command exited',
  quit: 'the UI of record --tui was left',
  'disk-full': 'the disk was full: records after the last commit are missing',
  'write-error': 'writing failed: records after the last commit may be missing',
  'capture-error': "reading the kernel's ring buffer failed: capture ended early",
  'worker-exit': "the recorder's worker thread died: records after the last commit are missing",
};

function stopReasonText(reason: string | null, color: boolean): string {
  if (reason === null) return 'no reason recorded';
  const words = STOP_REASONS[reason as keyof typeof STOP_REASONS];
  // a reason this tinytap does not know (a newer one wrote the file) is shown as it is
  if (!words) return reason;
  return isFault(reason as StopReason) ? paint(color, '31;1', `${reason}: ${words}`) : `${reason}: ${words}`;
}

/** What could not be read (SPEC.md §4.1), or that nothing was found, and how hard it was looked for. */
function damageText(i: SessionInfo, color: boolean): string {
  const what = damageCounts(i.damage);
  if (!what) return i.damageChecked ? 'none' : 'none found (info --check reads every block)';
  const example = i.damageExamples.length ? `; ${i.damageExamples[0]}` : '';
  return paint(color, '31;1', `${what} skipped (DAMAGED: the rest is read${example})`);
}

export function formatInfo(i: SessionInfo, color: boolean): string {
  const rows: [string, string][] = [
    ['file', `${i.file} (${formatBytes(i.fileBytes)})`],
    ['recorded by', `tinytap ${i.tinytapVersion ?? '?'} on ${i.host ?? '?'} (Linux ${i.kernel ?? '?'})`],
    ['started', i.startedAt ?? '?'],
    [
      'stopped',
      i.finished
        ? `${i.stoppedAt} (${stopReasonText(i.stopReason, color)})`
        : i.recorderPid !== null
          ? paint(color, '33', `not yet: tinytap (pid ${i.recorderPid}) is still recording`)
          : paint(color, '33', 'did not finish: the recorder was killed'),
    ],
    ['duration', i.durationMs === null ? '?' : formatDurationMs(i.durationMs)],
    ['command', i.commandLine.join(' ')],
  ];
  const f = i.filters;
  const filters = f
    ? [
        ...f.pids.map((p) => `pid ${p}`),
        ...f.comms.map((c) => `comm ${c}`),
        ...f.ports.map((p) => `port ${p}`),
        ...(f.command ? [`command: ${f.command.join(' ')}`] : []),
      ]
    : [];
  rows.push(['filters', filters.length ? filters.join(', ') : 'none (every process)']);
  rows.push(['events', formatCount(i.events)]);
  rows.push(['bytes', `${formatBytes(i.bytes)} moved, ${formatBytes(i.capturedBytes)} captured`]);
  rows.push(['connections', formatCount(i.connections)]);
  rows.push(['processes', formatCount(i.processes)]);
  rows.push([
    'drops',
    i.drops.records === 0 && i.drops.events === 0
      ? paint(color, i.complete ? '32' : '0', i.complete ? '0 (complete)' : '0')
      : paint(
          color,
          '31;1',
          `${formatCount(i.drops.records)} records, ${formatBytes(i.drops.bytes)} (INCOMPLETE: the ring buffer overflowed)`,
        ),
  ]);
  rows.push(['damage', damageText(i, color)]);
  if (i.drops.untracked)
    rows.push([
      'untracked',
      paint(color, '31;1', `${formatCount(i.drops.untracked)} socket calls not recorded (INCOMPLETE: the table of connections was full)`),
    ]);
  if (i.drops.read_failures) rows.push(['read failures', formatCount(i.drops.read_failures)]);
  if (i.drops.walks_cut) rows.push(['walks cut', `${formatCount(i.drops.walks_cut)} payloads with more segments than are read (flagged)`]);
  if (i.drops.unnamed_sharers) rows.push(['sharers', `${formatCount(i.drops.unnamed_sharers)} connections held by more processes than are named`]);
  if (i.drops.fd_walks_cut) rows.push(['fd walks cut', `${formatCount(i.drops.fd_walks_cut)} exits or close_range calls with more fds than are looked at`]);
  if (i.sendfileBodies)
    rows.push([
      'sendfile bodies',
      i.sendfileBodies.captured ? 'captured' : `not captured${i.sendfileBodies.note ? ` (${i.sendfileBodies.note})` : ''}`,
    ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('summarise a session file: when, where, what it holds, whether it is complete')
    .argument('<file>', 'a .tinytap session')
    .option('--json', 'print the summary as JSON')
    .option('--check', 'also verify every page of the file (PRAGMA integrity_check)')
    .action((file: string, flags: { json?: boolean; check?: boolean }) => {
      const db = openSessionDb(file, { readonly: true });
      try {
        if (flags.check) {
          const result = db.pragma('integrity_check', { simple: true });
          if (result !== 'ok') throw new CliError(`${file} is damaged: integrity check says ${safeText(String(result))}`);
        }
        // --check also reads every block and record, as a build would
        const info = sessionInfo(db, file, statSync(file).size, { scan: !!flags.check });
        process.stdout.write((flags.json ? JSON.stringify(info) : formatInfo(info, useColor())) + '\n');
        if (flags.check && !info.damageChecked) throw new CliError(`${file}: not every block was read`);
        if (flags.check && Object.values(info.damage).some((n) => n > 0))
          throw new CliError(`${file} is damaged: ${info.damageExamples.join('; ') || 'see "damage" above'}`);
      } catch (err) {
        if (isCorruptionError(err)) throw corruptError(file, err);
        throw err;
      } finally {
        db.close();
      }
    });
}
