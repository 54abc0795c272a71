/** Opening a session for a command: exchanges built on first use, with a progress bar. */
import { statSync } from 'node:fs';

import { Session } from '../session/session.js';
import { progressBar } from './terminal.js';

export function openSession(path: string, opts: { build?: boolean } = {}): Session {
  const bar = progressBar('building exchanges');
  try {
    return Session.open(path, { build: opts.build ?? true, onBuildProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.done();
  }
}

/** An exchange id from the command line: a positive integer. */
export function parseId(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    const err = new Error(`bad exchange id '${text}': use the number in the first column of tinytap ls`);
    (err as { code?: string }).code = 'EUSAGE';
    throw err;
  }
  return n;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The bytes a session takes on disk: the file and its write-ahead log. A recording that ended
 * on a fault (a full disk) or is still going keeps pages in FILE-wal that the file alone leaves
 * out (a clean end checkpoints them into the file and removes the log).
 */
export function sessionBytes(path: string): number {
  return fileSize(path) + fileSize(`${path}-wal`);
}
