/**
 * A k-way merge of sorted sources that are opened only when needed: sources come in the order
 * of the earliest row each can give, and the next one is opened once the merge has nothing
 * before that point left (`due`). Over a month of files in time order, only the few whose
 * ranges overlap are open at once. Pure: what a source is, and how it opens, is the caller's.
 */

/** A binary heap of the sources' current rows. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(v: T): void {
    const a = this.items;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l], a[m])) m = l;
        if (r < a.length && this.before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Rows of every source, in `cmp` order. `due(source, head)` says whether a source not opened yet
 * may hold a row at or before `head` (the earliest row of the open ones; null when none is
 * open): sources are opened in the given order while it says so. Stopping early (return())
 * closes every source still open.
 */
export function* mergeSorted<S, R>(
  sources: readonly S[],
  open: (s: S) => Iterator<R>,
  cmp: (a: R, b: R) => number,
  due: (s: S, head: R | null) => boolean,
): Generator<R> {
  const heap = new Heap<{ row: R; it: Iterator<R> }>((a, b) => cmp(a.row, b.row) < 0);
  const live = new Set<Iterator<R>>();
  let next = 0;
  const pull = (it: Iterator<R>) => {
    const r = it.next();
    if (r.done) live.delete(it);
    else heap.push({ row: r.value, it });
  };
  try {
    for (;;) {
      while (next < sources.length && due(sources[next], heap.peek()?.row ?? null)) {
        const it = open(sources[next++]);
        live.add(it);
        pull(it);
      }
      const top = heap.pop();
      if (!top) {
        if (next >= sources.length) return;
        // every open source is done and the next is not due by its bound: open it anyway
        const it = open(sources[next++]);
        live.add(it);
        pull(it);
        continue;
      }
      yield top.row;
      pull(top.it);
    }
  } finally {
    for (const it of live) it.return?.();
  }
}
