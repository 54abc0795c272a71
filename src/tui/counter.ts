/**
 * Counting the exchanges a filter matches, apart from showing them: the first page of a million
 * exchanges is ready in a millisecond, but counting what `status:5xx method:POST` matches reads
 * every matching row (most of a second). Counts are asked after the first page is on screen,
 * cached per query until the data changes, and a newer question replaces an older one that has
 * not started yet (typing a filter asks many).
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

import type { Session } from '../session/session.js';
import type { ListQuery } from './exchange-pages.js';
import { queryKey } from './list-query.js';

export interface Counter {
  count(q: ListQuery): Promise<number>;
  close(): void;
}

/** The question was replaced by a newer one before it was asked. */
export class Superseded extends Error {
  constructor() {
    super('superseded');
  }
}

/**
 * Counts on the main thread, after a pause that lets the first frame be written. For the tests
 * and for a live session, whose exchanges only the UI's connection sees (session/live.ts); the
 * CLI counts a finished session in a worker thread (WorkerCounter).
 */
export class InlineCounter implements Counter {
  constructor(
    private readonly session: Session,
    private readonly delayMs = 20,
  ) {}

  count(q: ListQuery): Promise<number> {
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(this.session.countExchanges(q.where, q.params));
        } catch (err) {
          reject(err);
        }
      }, this.delayMs),
    );
  }

  close(): void {}
}

interface Pending {
  q: ListQuery;
  resolve: (n: number) => void;
  reject: (err: Error) => void;
}

/**
 * Counts in a worker thread with its own read-only connection: the UI never waits for one. The
 * thread starts with the first question, after the first frame is drawn, not before it.
 */
export class WorkerCounter implements Counter {
  private worker: Worker | null = null;
  private running: Pending | null = null;
  private waiting: Pending | null = null;
  private nextId = 1;
  private failed: Error | null = null;

  constructor(
    private readonly path: string,
    private readonly script: URL,
  ) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { workerData: { path: this.path } });
    worker.unref();
    worker.on('message', (m: { count?: number; error?: string }) => {
      const done = this.running;
      this.running = null;
      if (done) {
        if (m.error !== undefined) done.reject(new Error(m.error));
        else done.resolve(m.count!);
      }
      this.startNext();
    });
    worker.on('error', (err) => {
      this.failed = err;
      for (const p of [this.running, this.waiting]) p?.reject(err);
      this.running = this.waiting = null;
    });
    this.worker = worker;
    return worker;
  }

  private startNext(): void {
    if (this.running || !this.waiting) return;
    this.running = this.waiting;
    this.waiting = null;
    this.thread().postMessage({ id: this.nextId++, where: this.running.q.where, params: this.running.q.params });
  }

  count(q: ListQuery): Promise<number> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting?.reject(new Superseded());
      this.waiting = { q, resolve, reject };
      this.startNext();
    });
  }

  close(): void {
    void this.worker?.terminate();
  }
}

/** The worker script beside this file once built (dist/tui/count-worker.js); null from sources. */
export function countWorkerScript(): URL | null {
  const url = new URL('./count-worker.js', import.meta.url);
  return existsSync(url) ? url : null;
}

/** Counts per query, kept until the data changes (a live session grew). */
export class CountCache {
  private readonly known = new Map<string, number>();
  private readonly asked = new Map<string, Promise<number>>();
  private generation = 0;

  constructor(private readonly counter: Counter) {}

  /** The count if it is already known. */
  peek(q: ListQuery): number | undefined {
    return this.known.get(queryKey(q));
  }

  /** The count, from the cache or asked; resolves null if the data changed meanwhile. */
  get(q: ListQuery): Promise<number | null> {
    const key = queryKey(q);
    const hit = this.known.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = this.asked.get(key);
    if (!p) {
      const generation = this.generation;
      p = this.counter.count(q);
      this.asked.set(key, p);
      p.then(
        (n) => {
          if (generation === this.generation) this.known.set(key, n);
        },
        () => {},
      ).finally(() => {
        if (this.asked.get(key) === p) this.asked.delete(key);
      });
    }
    const generation = this.generation;
    return p.then(
      (n) => (generation === this.generation ? n : null),
      (err) => {
        if (err instanceof Superseded) return null;
        throw err;
      },
    );
  }

  /** The data changed: every count must be asked again. */
  invalidate(): void {
    this.generation++;
    this.known.clear();
    this.asked.clear();
  }

  close(): void {
    this.counter.close();
  }
}
