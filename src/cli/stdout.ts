/**
 * What every command's standard output needs, set up once in main.ts: a reader that goes away
 * (`tinytap ls big | head -1`) ends the command quietly, as it ends `ls | head`; any other
 * failure to write (a full disk under `export --har > x.har`) is one line and a non-zero exit,
 * never a stack trace and never a cut document with exit status 0.
 */
import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

import { term } from '../render/terminal-text.js';
import { stderr, writeLine } from './terminal.js';

/** Exit status when the output could not be written: a command may make it its own (diff: 2). */
let outputFailureStatus = 1;

export function setOutputFailureStatus(status: number): void {
  outputFailureStatus = status;
}

/** A command that must end cleanly rather than at once (record: its file) handles it itself. */
let failureHandler: ((err: NodeJS.ErrnoException) => void) | null = null;

/**
 * Instead of exiting when stdout fails (EPIPE: its reader is gone), call `handler`; null puts
 * the exit back. What is written after that is dropped.
 */
export function onOutputFailure(handler: ((err: NodeJS.ErrnoException) => void) | null): void {
  failureHandler = handler;
}

/**
 * Writes all of `chunk` to `fd`. A write to a file returns short when the disk fills up (the
 * next one fails with ENOSPC), and Node's stdout to a file (SyncWriteStream) writes each chunk
 * once and drops what was left: a full disk gave a cut document and exit status 0.
 */
export function writeWhole(fd: number, chunk: Uint8Array, write: (fd: number, b: Uint8Array, offset: number, length: number) => number = writeSync): void {
  for (let done = 0; done < chunk.length; ) {
    const n = write(fd, chunk, done, chunk.length - done);
    // a file never takes nothing without an error; stop rather than spin
    if (n <= 0) throw Object.assign(new Error(`write to fd ${fd} wrote nothing`), { code: 'EIO' });
    done += n;
  }
}

/** Node writes to `fd` through a SyncWriteStream (one writeSync a chunk): a file or a device. */
function isWrittenSynchronously(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFile() || st.isBlockDevice() || (st.isCharacterDevice() && !isatty(fd));
  } catch {
    return false;
  }
}

export function describeWriteError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOSPC') return 'the disk is full';
  if (err.code === 'EDQUOT') return 'the disk quota is used up';
  return err.code ? `${err.code}: ${err.message.replace(/^\w+: /, '')}` : err.message;
}

const guarded = new WeakSet<NodeJS.WriteStream>();

/** Sets up `stream` (fd `fd`) as described at the top; once per stream (main() may run again in tests). */
export function guardStdout(stream: NodeJS.WriteStream, fd = 1): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  // a worker thread's stdout is no fd of its own: leave it alone
  if ((stream as { fd?: number }).fd === fd && isWrittenSynchronously(fd)) {
    // the stream's own _write, writing the whole chunk (see writeWhole)
    const whole = (chunk: Uint8Array, _encoding: BufferEncoding, done: (err?: Error | null) => void) => {
      try {
        writeWhole(fd, chunk);
      } catch (err) {
        done(err as Error);
        return;
      }
      done();
    };
    (stream as unknown as { _write: typeof whole })._write = whole;
  }
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (failureHandler) return failureHandler(err);
    if (err.code === 'EPIPE') process.exit(0);
    writeLine(stderr, term`tinytap: cannot write the output (${describeWriteError(err)}): what was written is incomplete`);
    process.exit(outputFailureStatus);
  });
}
