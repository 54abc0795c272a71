// writev's iovec arrays of every shape: a few small segments go out as one record, more or
// larger ones through the segment walk, past 64 segments the rest is flagged, and a payload cap
// cuts across segments; whichever path, the captured bytes are the bytes sent.
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { DataFlag, Direction, Role, Syscall } from '../../src/events/layout.js';
import { SessionView, TESTDATA, describeCapture, runRecorder, tempDir } from './harness.js';

const script = join(TESTDATA, 'clients', 'writev-shapes.py');

/** What writev number i of the script sent: its segments, each filled with its own letter. */
function sent(i: number, shape: number[]): Buffer {
  return Buffer.concat(shape.map((n, j) => Buffer.alloc(n, 0x41 + ((i * 7 + j) % 26))));
}

async function recordShapes(extra: string[]) {
  const file = join(tempDir(), 'writev.tinytap');
  const r = runRecorder(['-o', file, ...extra, '--', 'python3', script]);
  const { code } = await r.exited;
  expect(code, r.stderr).toBe(0);
  const shapes = JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('[['))!) as number[][];
  const s = new SessionView(file);
  try {
    const client = s.connections('c.role = ? AND c.family = 2', Role.CLIENT)[0];
    const writes = s.events({ connId: client.id, dir: Direction.EGRESS, syscall: Syscall.WRITEV }).sort((a, b) => a.streamOff - b.streamOff);
    return { shapes, writes };
  } finally {
    s.close();
  }
}

describeCapture('record: writev', () => {
  it('captures every iovec shape whole, in one event per call', async () => {
    const { shapes, writes } = await recordShapes([]);
    expect(writes).toHaveLength(shapes.length);
    shapes.forEach((shape, i) => {
      const w = writes[i];
      const bytes = sent(i, shape);
      expect(w.ret).toBe(bytes.length);
      if (shape.length > 64) {
        // the walk follows 64 segments and says the rest was not followed
        expect(w.flags & DataFlag.IOV_TRUNCATED).toBeTruthy();
        expect(w.payload).toEqual(bytes.subarray(0, 64));
      } else {
        expect(w.flags & (DataFlag.TRUNCATED | DataFlag.READ_FAILED)).toBe(0);
        expect(w.payload).toEqual(bytes);
      }
    });
  });

  it('cuts a payload at --max-payload across segments, and says so', async () => {
    const { shapes, writes } = await recordShapes(['--max-payload', '20']);
    expect(writes).toHaveLength(shapes.length);
    shapes.forEach((shape, i) => {
      const w = writes[i];
      const bytes = sent(i, shape);
      expect(w.ret).toBe(bytes.length);
      expect(w.payload).toEqual(bytes.subarray(0, 20));
      expect(w.flags & DataFlag.TRUNCATED).toBeTruthy();
    });
  });
});
