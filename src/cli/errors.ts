/**
 * Every error a user can cause ends as one line on stderr and a non-zero exit, never a stack
 * trace. Known errors carry a code; anything else is a bug, shown as such (with the stack only
 * under TINYTAP_DEBUG). Messages quote file names, values from the session file and SQLite's
 * own text (a crafted file's table or trigger names, a RAISE message): everything printed here
 * is escaped, newlines aside (a filter error points at the bad term on the next lines).
 */
import { escaped, term } from '../render/terminal-text.js';
import { stderr, writeLine } from './terminal.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const USER_ERROR_CODES = new Set([
  'EUSAGE',
  'ENOENT',
  'ENOTSESSION',
  'ENEWER',
  'ECORRUPT',
  'EEXIST',
  'EPERM',
  'EKERNEL',
  'ENOBTF',
  'ENOTRACEFS',
  'EPLATFORM',
  'ENOADDON',
  'EDISKFULL',
  'EFILE',
  'EFILTER',
  'ENOTFOUND',
  'EACCES',
  'ENOSPC',
  'EISDIR',
]);

/** "tinytap: MESSAGE" on stderr, escaped. */
function say(message: string): void {
  writeLine(stderr, term`tinytap: ${escaped(message, true)}`);
}

export function reportError(err: unknown, exitCode = 1): number {
  const e = err as Error & { code?: string; exitCode?: number };
  if (e instanceof CliError) {
    say(e.message);
    return e.exitCode;
  }
  if (e && typeof e.code === 'string' && USER_ERROR_CODES.has(e.code)) {
    say(e.message);
    // a flag or argument that cannot be used: 2, as commander's own usage errors
    return e.code === 'EUSAGE' ? 2 : exitCode;
  }
  if (e && (e.code === 'SQLITE_FULL' || e.code === 'ENOSPC')) {
    say('the disk is full: free some space and try again');
    return exitCode;
  }
  if (e && typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY')) {
    // another process held the file's write lock past the 5 s wait: a tinytap building or
    // reparsing the same file, or a program that is not tinytap
    say('the session file is locked by another process (another tinytap building it?): try again when it is done');
    return exitCode;
  }
  const detail = process.env.TINYTAP_DEBUG ? `\n${e?.stack ?? String(e)}` : ' (set TINYTAP_DEBUG=1 for details)';
  say(`internal error: ${e?.message ?? String(e)}${detail}`);
  return exitCode;
}
