import { describe, expect, it } from 'vitest';

import { type DataRecord, decodeBatch } from '../../src/events/decode-records.js';
import { type AssembledEvent, EventAssembler } from '../../src/events/event-assembler.js';
import { DataFlag } from '../../src/events/layout.js';
import { batchOf, encodeData, type DataSpec } from '../../src/events/encode-records.js';

function records(specs: DataSpec[]): DataRecord[] {
  return [...decodeBatch(batchOf(specs.map(encodeData)))] as DataRecord[];
}

function run(specs: DataSpec[], flush = false): AssembledEvent[] {
  const a = new EventAssembler();
  const out: AssembledEvent[] = [];
  for (const r of records(specs)) a.push(r, (e) => out.push(e));
  if (flush) a.flush((e) => out.push(e));
  return out;
}

describe('EventAssembler', () => {
  it('passes a single-record syscall straight through', () => {
    const [ev] = run([{ connId: 1, ret: 3, data: 'abc' }]);
    expect(ev.payload.toString()).toBe('abc');
    expect(ev.lost).toBe(false);
  });

  it('joins chunks of one syscall even with other threads in between', () => {
    const out = run([
      { tid: 1, tsNs: 5n, connId: 1, ret: 6, data: 'abc', chunkOff: 0, flags: 0 },
      { tid: 2, tsNs: 6n, connId: 2, ret: 1, data: 'x' },
      { tid: 1, tsNs: 5n, connId: 1, ret: 6, data: 'def', chunkOff: 3, flags: DataFlag.LAST },
    ]);
    expect(out.map((e) => e.payload.toString())).toEqual(['x', 'abcdef']);
    expect(out[1].lost).toBe(false);
  });

  it('marks a syscall whose middle chunk was dropped, keeping the prefix', () => {
    const [ev] = run([
      { tid: 1, tsNs: 5n, connId: 1, ret: 9, data: 'abc', chunkOff: 0, flags: 0 },
      { tid: 1, tsNs: 5n, connId: 1, ret: 9, data: 'ghi', chunkOff: 6, flags: DataFlag.LAST },
    ]);
    expect(ev.payload.toString()).toBe('abc');
    expect(ev.lost).toBe(true);
  });

  it('closes a syscall whose last chunk was dropped when the thread moves on', () => {
    const out = run([
      { tid: 1, tsNs: 5n, connId: 1, ret: 9, data: 'abc', chunkOff: 0, flags: 0 },
      { tid: 1, tsNs: 7n, connId: 1, ret: 2, data: 'zz' },
    ]);
    expect(out.map((e) => [e.payload.toString(), e.lost])).toEqual([
      ['abc', true],
      ['zz', false],
    ]);
  });

  it('flushes what is still pending at stop as incomplete', () => {
    const out = run([{ tid: 1, tsNs: 5n, connId: 1, ret: 9, data: 'abc', chunkOff: 0, flags: 0 }], true);
    expect(out).toHaveLength(1);
    expect(out[0].lost).toBe(true);
  });

  it('passes on, as incomplete, the calls still waiting of connections that closed, and no others', () => {
    const a = new EventAssembler();
    const out: AssembledEvent[] = [];
    for (const r of records([
      { tid: 1, tsNs: 5n, connId: 1, ret: 9, data: 'abc', chunkOff: 0, flags: 0 },
      { tid: 2, tsNs: 6n, connId: 2, ret: 9, data: 'xyz', chunkOff: 0, flags: 0 },
    ]))
      a.push(r, (e) => out.push(e));
    a.flushConns(new Set([1]), (e) => out.push(e));
    expect(out.map((e) => [e.first.connId, e.payload.toString(), e.lost])).toEqual([[1, 'abc', true]]);
    expect(a.pendingCount).toBe(1);
  });

  it('copies payloads out of the batch buffer', () => {
    const batch = batchOf([encodeData({ connId: 1, ret: 3, data: 'abc' })]);
    const a = new EventAssembler();
    let ev: AssembledEvent | undefined;
    for (const r of decodeBatch(batch)) a.push(r as DataRecord, (e) => (ev = e));
    batch.fill(0);
    expect(ev!.payload.toString()).toBe('abc');
  });
});
