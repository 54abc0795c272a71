import { describe, expect, it } from 'vitest';

import { CountCache, type Counter, Superseded, WorkerCounter } from '../../src/tui/counter.js';
import type { ListQuery } from '../../src/tui/exchange-pages.js';

/** A counter whose answers the test releases one by one. */
class HeldCounter implements Counter {
  asked: { q: ListQuery; resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
  count(q: ListQuery) {
    return new Promise<number>((resolve, reject) => this.asked.push({ q, resolve, reject }));
  }
  close() {}
}

const q = (where: string, ...params: unknown[]): ListQuery => ({ where, params });

describe('CountCache', () => {
  it('asks once per query and remembers the answer until the data changes', async () => {
    const counter = new HeldCounter();
    const cache = new CountCache(counter);
    const a = cache.get(q('x.status = ?', 500));
    const again = cache.get(q('x.status = ?', 500));
    expect(counter.asked).toHaveLength(1);
    counter.asked[0].resolve(42);
    expect(await a).toBe(42);
    expect(await again).toBe(42);
    expect(cache.peek(q('x.status = ?', 500))).toBe(42);
    expect(cache.peek(q('x.status = ?', 404))).toBeUndefined();
    expect(await cache.get(q('x.status = ?', 500))).toBe(42);
    expect(counter.asked).toHaveLength(1);
    cache.invalidate();
    expect(cache.peek(q('x.status = ?', 500))).toBeUndefined();
    const b = cache.get(q('x.status = ?', 500));
    counter.asked[1].resolve(43);
    expect(await b).toBe(43);
  });

  it('answers null for a count asked before the data changed, and for a replaced question', async () => {
    const counter = new HeldCounter();
    const cache = new CountCache(counter);
    const stale = cache.get(q('1'));
    cache.invalidate();
    counter.asked[0].resolve(10);
    expect(await stale).toBeNull();
    expect(cache.peek(q('1'))).toBeUndefined();
    const replaced = cache.get(q('x.method = ?', 'GET'));
    counter.asked[1].reject(new Superseded());
    expect(await replaced).toBeNull();
    const failed = cache.get(q('bad'));
    counter.asked[2].reject(new Error('no such column'));
    await expect(failed).rejects.toThrow('no such column');
  });

  it('keys queries by their SQL and parameters, bigints and all', async () => {
    const counter = new HeldCounter();
    const cache = new CountCache(counter);
    void cache.get(q('x.id > ?', 5n));
    void cache.get(q('x.id > ?', 5));
    void cache.get(q('x.id > ?', 5n));
    expect(counter.asked).toHaveLength(2);
  });
});

describe('WorkerCounter', () => {
  it('asks one question at a time; a newer question replaces one that is still waiting', async () => {
    const counter = new WorkerCounter('/nonexistent.tinytap', new URL('./fake-count-worker.mjs', import.meta.url));
    try {
      const first = counter.count(q('x.status = ?', 500));
      const replaced = counter.count(q('x.method = ?', 'GET'));
      const last = counter.count(q('1'));
      await expect(replaced).rejects.toBeInstanceOf(Superseded);
      expect(await first).toBe('x.status = ?'.length);
      expect(await last).toBe(1);
      await expect(counter.count(q('fail'))).rejects.toThrow('no such column: fail');
      expect(await counter.count(q('ab'))).toBe(2);
    } finally {
      counter.close();
    }
  });
});
