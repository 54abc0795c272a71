/** Opening a session for a command: exchanges built on first use, with a progress bar. */

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

