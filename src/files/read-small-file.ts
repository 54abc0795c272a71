/**
 * Reading a small file a user names (a noise file) or one tinytap keeps (a directory's catalog):
 * it must be a regular file and not larger than the caller says, so a FIFO cannot hang the
 * command and /dev/zero cannot take its memory. Read through one descriptor, so what was
 * checked is what is read.
 */
import { type Stats, closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export interface SmallFileOptions {
  /** Refuse a symbolic link at the path (ELOOP) instead of reading what it points to. */
  noFollow?: boolean;
  /** A further check of the file as opened: a reason to refuse it, or null. */
  check?: (st: Stats) => string | null;
}

export function readSmallFile(path: string, maxBytes: number, opts: SmallFileOptions = {}): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    const refused = opts.check?.(st);
    if (refused) throw new Error(refused);
    if (st.size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
