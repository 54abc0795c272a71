// Standard output to a file: a write the disk cuts short is finished or fails, never dropped.
import { describe, expect, it } from 'vitest';

import { writeWhole } from '../../src/cli/stdout.js';

/** A file that takes `room` bytes, at most `step` a write, then fails as a full disk does. */
function fakeDisk(room: number, step: number) {
  const written: number[] = [];
  const write = (_fd: number, b: Uint8Array, offset: number, length: number): number => {
    const free = room - written.length;
    if (free === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const n = Math.min(length, step, free);
    written.push(...b.subarray(offset, offset + n));
    return n;
  };
  return { write, written };
}

describe('writeWhole', () => {
  it('writes what a short write left, in as many writes as it takes', () => {
    const disk = fakeDisk(1000, 7);
    const chunk = Buffer.from('x'.repeat(100) + 'the end');
    writeWhole(1, chunk, disk.write);
    expect(Buffer.from(disk.written).toString()).toBe(chunk.toString());
  });

  it('fails when the disk is full (where one writeSync would have returned short, silently)', () => {
    const disk = fakeDisk(50, 64);
    expect(() => writeWhole(1, Buffer.alloc(100, 1), disk.write)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(disk.written).toHaveLength(50);
  });

  it('never spins on a write that takes nothing', () => {
    expect(() => writeWhole(1, Buffer.alloc(3), () => 0)).toThrow(/wrote nothing/);
  });
});
