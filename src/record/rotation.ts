/**
 * `record --dir DIR --rotate 15m|256MB --keep 7d|5GB`: a recording written as a chain of session
 * files in one directory, like tcpdump's -G/-C/-W ring of files. When a new file starts, and which
 * old ones go to keep the budget, are decided here; Capture does the switching (capture.ts).
 * The policy is pure; the directory is read and written only by the functions named for it.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { compareChainNames, isChainFileName } from '../files/chain-names.js';
import { sessionBytes } from '../files/session-files.js';

export interface RotationPlan {
  dir: string;
  /** A new file after this long, or this many bytes (whichever comes first; null: no limit). */
  everyMs: number | null;
  everyBytes: number | null;
  /** Files ended longer ago than this, or past this total size, oldest first, are deleted. */
  keepMs: number | null;
  keepBytes: number | null;
}

/** Whether the file being written has had its time or reached its size. */
export function rotationDue(plan: RotationPlan, fileAgeMs: number, fileBytes: number): boolean {
  return (plan.everyMs !== null && fileAgeMs >= plan.everyMs) || (plan.everyBytes !== null && fileBytes >= plan.everyBytes);
}

export interface ChainFile {
  name: string;
  bytes: number;
  /** When it was last written (its end, for a file the chain has moved past). */
  endedMs: number;
  /** Another process has it open (a reader, or the recorder of another chain). */
  open: boolean;
}

/**
 * The files to delete to keep the budget, oldest first: those that ended before `keepMs` ago,
 * then the oldest while the total is over `keepBytes`. Never `current` (being written), never a
 * file some process has open: such a file still counts toward the total.
 */
export function overBudget(files: readonly ChainFile[], plan: RotationPlan, nowMs: number, current: string): string[] {
  const sorted = [...files].sort((a, b) => compareChainNames(a.name, b.name));
  let total = sorted.reduce((sum, f) => sum + f.bytes, 0);
  const out: string[] = [];
  for (const f of sorted) {
    if (f.name === current || f.open) continue;
    const tooOld = plan.keepMs !== null && nowMs - f.endedMs > plan.keepMs;
    const tooBig = plan.keepBytes !== null && total > plan.keepBytes;
    if (!tooOld && !tooBig) continue;
    out.push(f.name);
    total -= f.bytes;
  }
  return out;
}

/**
 * The chain's files in `dir` as they are now: regular files only (a link or a directory with a
 * chain file's name is not ours to count or delete), a WAL left beside one counted with it.
 */
export function listChainFiles(dir: string): ChainFile[] {
  const open = openFiles();
  const out: ChainFile[] = [];
  for (const name of readdirSync(dir)) {
    if (!isChainFileName(name)) continue;
    const path = join(dir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    out.push({ name, bytes: sessionBytes(path), endedMs: st.mtimeMs, open: open.has(path) });
  }
  return out;
}

/**
 * Every file some process holds open, as /proc/PID/fd shows it. The recorder's own files are
 * among them: callers leave out the one being written by name. Processes whose fds this one
 * cannot read (not root) are not seen, so `record --dir` without root only deletes what no
 * process of its own user has open.
 */
function openFiles(): Set<string> {
  const out = new Set<string>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to see
    }
    for (const fd of fds) {
      try {
        out.add(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        // closed meanwhile
      }
    }
  }
  return out;
}
