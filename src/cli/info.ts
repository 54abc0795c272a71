/** tinytap info FILE: what a session holds and whether it is complete. */
import type { Command } from 'commander';

import type { SecretFilter } from '../export/secrets.js';
import { type StopReason, isFault } from '../record/lifecycle.js';
import { openSessionDb, isCorruptionError, corruptError } from '../session/open-session.js';
import { type SessionInfo, integrityCheck, sessionInfo } from '../session/session-info.js';
import { type TerminalText, type TextPart, json, joinText, term } from '../render/terminal-text.js';
import { CliError } from './errors.js';
import { formatBytes, formatCount, formatDurationMs, paint, useColor } from '../render/format.js';
import { damageCounts } from './open-session.js';
import { INCLUDE_SECRETS, sayWhatWasLeftOut, secretFilter } from './secrets-flag.js';
import { stdout, writeLine } from './terminal.js';
import { sessionBytes } from '../files/session-files.js';

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

function stopReasonText(reason: string | null, color: boolean): TextPart {
  if (reason === null) return 'no reason recorded';
  // record --dir closed it on schedule: not a lifecycle's end, the chain went on
  if (reason === 'rotated') return 'rotated: the recording went on in the next file of its chain (--dir)';
  const words = STOP_REASONS[reason as keyof typeof STOP_REASONS];
  // a reason this tinytap does not know (a newer one wrote the file) is shown as it is
  if (!words) return reason;
  return isFault(reason as StopReason) ? paint(color, '31;1', `${reason}: ${words}`) : `${reason}: ${words}`;
}

/** What could not be read (SPEC.md §4.1), or that nothing was found, and how hard it was looked for. */
function damageText(i: SessionInfo, color: boolean): TextPart {
  const what = damageCounts(i.damage);
  if (!what) return i.damageChecked ? 'none' : 'none found (info --check reads every block)';
  const example = i.damageExamples.length ? `; ${i.damageExamples[0]}` : '';
  return paint(color, '31;1', `${what} skipped (DAMAGED: the rest is read${example})`);
}

/** The summary, every value from the file escaped (a crafted file can hold anything there). */
export function formatInfo(i: SessionInfo, color: boolean): TerminalText {
  const rows: [string, TextPart][] = [
    ['file', term`${i.file} (${formatBytes(i.fileBytes)})`],
    ['recorded by', term`tinytap ${i.tinytapVersion ?? '?'} on ${i.host ?? '?'} (Linux ${i.kernel ?? '?'})`],
    ['started', i.startedAt ?? '?'],
    [
      'stopped',
      i.finished
        ? term`${i.stoppedAt} (${stopReasonText(i.stopReason, color)})`
        : i.recorderPid !== null
          ? paint(color, '33', `not yet: tinytap (pid ${i.recorderPid}) is still recording`)
          : paint(color, '33', 'did not finish: the recorder was killed'),
    ],
    ['duration', i.durationMs === null ? '?' : formatDurationMs(i.durationMs)],
    ['command', i.commandLine.join(' ')],
  ];
  if (i.chain)
    rows.push([
      'chain',
      term`file ${String(i.chain.sequence)} of a --dir recording; after ${i.chain.previous ?? '(the first)'}, before ${i.chain.next ?? '(none yet)'}`,
    ]);
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
  if (i.drops.tls_unjoined)
    rows.push(['tls unjoined', `${formatCount(i.drops.tls_unjoined)} TLS plaintext events no socket could be joined to (kept, on no connection)`]);
  if (i.drops.tls_mismatch) rows.push(['tls mismatch', `${formatCount(i.drops.tls_mismatch)} TLS calls whose socket differed from their session's last one`]);
  if (i.drops.fd_walks_cut) rows.push(['fd walks cut', `${formatCount(i.drops.fd_walks_cut)} exits or close_range calls with more fds than are looked at`]);
  if (i.sendfileBodies)
    rows.push([
      'sendfile bodies',
      i.sendfileBodies.captured ? 'captured' : term`not captured${i.sendfileBodies.note ? term` (${i.sendfileBodies.note})` : ''}`,
    ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return joinText(rows.map(([k, v]) => term`${k.padEnd(width)}  ${v}`));
}

/**
 * The summary for --json. The command lines (tinytap's own, and the `-- CMD` it ran) are
 * credentials by the rule of src/export/secrets.ts: the program only, unless `secrets` keeps them.
 */
export function infoJson(i: SessionInfo, secrets: SecretFilter): Record<string, unknown> {
  const commandLine = secrets.commandLine(i.commandLine);
  const command = i.filters?.command ? secrets.commandLine(i.filters.command) : null;
  return {
    ...i,
    commandLine: commandLine.argv,
    ...(commandLine.argumentsLeftOut ? { commandLineArgumentsLeftOut: commandLine.argumentsLeftOut } : {}),
    filters: i.filters && {
      ...i.filters,
      command: command && command.argv,
      ...(command?.argumentsLeftOut ? { commandArgumentsLeftOut: command.argumentsLeftOut } : {}),
    },
  };
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('summarise a session file: when, where, what it holds, whether it is complete')
    .argument('<file>', 'a .tinytap session')
    .option('--json', 'print the summary as JSON')
    .option('--check', 'also verify every page of the file (PRAGMA integrity_check)')
    .option(...INCLUDE_SECRETS)
    .action((file: string, flags: { json?: boolean; check?: boolean; includeSecrets?: boolean }) => {
      const db = openSessionDb(file, { readonly: true });
      try {
        if (flags.check) {
          const result = integrityCheck(db);
          if (result !== 'ok') throw new CliError(`${file} is damaged: integrity check says ${result}`);
        }
        // --check also reads every block and record, as a build would
        const info = sessionInfo(db, file, sessionBytes(file), { scan: !!flags.check });
        const secrets = secretFilter(flags);
        writeLine(stdout, flags.json ? json(infoJson(info, secrets)) : formatInfo(info, useColor()));
        sayWhatWasLeftOut(secrets);
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
