/**
 * `record --ready-file PATH`: a file that appears once capture has started, for scripts that
 * start `tinytap record` in the background and must not send traffic before it records.
 */
import type { FileOwner } from '../files/owner.js';
import { FileError, checkNewFile, writePrivateFile } from '../files/private-file.js';

export interface ReadyInfo {
  session: string;
  pid: number;
  /** ISO 8601: when capture started. */
  startedAt: string;
}

export class ReadyFileError extends Error {
  readonly code = 'EUSAGE';
}

const EXISTS_HINT = 'remove it first, or choose another path';

/** Refuse early (before the seconds that attaching takes) what would fail at the end of them. */
export function checkReadyFile(path: string): void {
  try {
    checkNewFile(path, { existsHint: EXISTS_HINT });
  } catch (err) {
    if (err instanceof FileError) throw new ReadyFileError(`--ready-file ${err.message}`);
    throw err;
  }
}

/**
 * Create it as every file tinytap writes (files/private-file.ts: new, never through a link,
 * private, owned like the session), and whole: a script that sees it can read its one JSON line.
 */
export function writeReadyFile(path: string, info: ReadyInfo, owner: FileOwner | null): void {
  writePrivateFile(path, JSON.stringify(info) + '\n', { owner, existsHint: EXISTS_HINT });
}
