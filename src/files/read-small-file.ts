/**
 * Reading a small file a user names (a noise file): it must be a regular file and not larger
 * than the caller says, so a FIFO cannot hang the command and /dev/zero cannot take its memory.
 * Read through one descriptor, so what was checked is what is read.
 */
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';

export function readSmallFile(path: string, maxBytes: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
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
