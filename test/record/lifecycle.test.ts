import { describe, expect, it } from 'vitest';

import { type Ended, Lifecycle, type Phase, type StopReason, isFault, toEndError } from '../../src/record/lifecycle.js';

type Counts = { events: number };

/** `ended` if it has resolved by now (a resolved promise settles within a macrotask). */
async function settled<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

function recorded(l: Lifecycle<Counts>): [Phase, StopReason | null][] {
  const seen: [Phase, StopReason | null][] = [];
  l.onChange((phase, reason) => seen.push([phase, reason]));
  return seen;
}

describe('Lifecycle', () => {
  it('Starting → Running → Stopping → Stopped, with the requested reason and the counts', async () => {
    const l = new Lifecycle<Counts>();
    const seen = recorded(l);
    expect(l.phase).toBe('starting');
    expect(l.running()).toBe(true);
    expect(await settled(l.ended)).toBe('pending');
    expect(l.stop('duration')).toBe(true);
    expect(l.phase).toBe('stopping');
    expect(await settled(l.ended)).toBe('pending');
    l.finish({ events: 7 });
    expect(l.phase).toBe('stopped');
    expect(await l.ended).toEqual({ reason: 'duration', counts: { events: 7 } });
    expect(seen).toEqual([
      ['running', null],
      ['stopping', 'duration'],
      ['stopped', 'duration'],
    ]);
  });

  it('the first stop decides: a second one is not the caller\'s to carry out', async () => {
    const l = new Lifecycle<Counts>();
    l.running();
    expect(l.stop('signal')).toBe(true);
    expect(l.stop('quit')).toBe(false);
    l.finish({ events: 0 });
    expect(l.stop('signal')).toBe(false);
    expect((await l.ended).reason).toBe('signal');
  });

  it('a stop during the start: Stopping at once, and the start that completes does not make it Running', async () => {
    const l = new Lifecycle<Counts>();
    expect(l.stop('signal')).toBe(true);
    expect(l.phase).toBe('stopping');
    expect(l.running()).toBe(false);
    expect(l.phase).toBe('stopping');
    l.finish({ events: 0 });
    expect(await l.ended).toEqual({ reason: 'signal', counts: { events: 0 } });
  });

  it('a start that fails ends Failed, with its error', async () => {
    const l = new Lifecycle<Counts>();
    expect(l.fail('start-failed', { code: 'EPERM', message: 'no' })).toBe(true);
    l.finish({ events: 0 });
    expect(l.phase).toBe('failed');
    expect(await l.ended).toEqual({ reason: 'start-failed', counts: { events: 0 }, error: { code: 'EPERM', message: 'no' } });
  });

  it('a fault while a requested stop is under way replaces its reason; the first fault stays', async () => {
    const l = new Lifecycle<Counts>();
    const seen = recorded(l);
    l.running();
    l.stop('signal');
    // the caller is already stopping: it is not asked to start again
    expect(l.fail('disk-full', { message: 'full' })).toBe(false);
    expect(l.fail('write-error', { message: 'other' })).toBe(false);
    expect(l.reason).toBe('disk-full');
    l.finish({ events: 3 });
    expect(l.phase).toBe('failed');
    expect(await l.ended).toEqual({ reason: 'disk-full', counts: { events: 3 }, error: { message: 'full' } });
    expect(seen.map(([p, r]) => `${p}:${r}`)).toEqual(['running:null', 'stopping:signal', 'stopping:disk-full', 'failed:disk-full']);
  });

  it('a requested stop after a fault changes nothing', async () => {
    const l = new Lifecycle<Counts>();
    l.running();
    expect(l.fail('capture-error', { message: 'poll failed' })).toBe(true);
    expect(l.stop('signal')).toBe(false);
    l.finish({ events: 1 });
    expect((await l.ended).reason).toBe('capture-error');
  });

  it('ends once: finishing again, or from a phase that is not Stopping, is a bug that throws', async () => {
    const l = new Lifecycle<Counts>();
    expect(() => l.finish({ events: 0 })).toThrow('cannot finish from starting');
    l.running();
    expect(() => l.finish({ events: 0 })).toThrow('cannot finish from running');
    l.stop('quit');
    const first: Ended<Counts> = l.finish({ events: 1 });
    expect(() => l.finish({ events: 2 })).toThrow('cannot finish from stopped');
    expect(l.fail('worker-exit', { message: 'late' })).toBe(false);
    expect(await l.ended).toBe(first);
    expect(l.isOver).toBe(true);
  });

  it('tells faults from requested stops', () => {
    const requested: StopReason[] = ['signal', 'duration', 'command-exited', 'quit'];
    const faults: StopReason[] = ['disk-full', 'write-error', 'capture-error', 'worker-exit', 'start-failed'];
    expect(requested.filter(isFault)).toEqual([]);
    expect(faults.filter(isFault)).toEqual(faults);
  });

  it('turns what was thrown into the one line a user sees, keeping its code', () => {
    expect(toEndError(Object.assign(new Error('refused'), { code: 'EPERM', libbpfLog: 'log' }))).toEqual({
      code: 'EPERM',
      message: 'refused',
      libbpfLog: 'log',
    });
    expect(toEndError(new Error('plain'), 'EWRITE')).toEqual({ code: 'EWRITE', message: 'plain' });
    expect(toEndError('a string')).toEqual({ message: 'a string' });
  });
});
