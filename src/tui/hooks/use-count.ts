/**
 * The number of exchanges a query matches, asked after the rows are on screen (an effect runs
 * after the frame) and shown when it arrives; until then null. While a live session grows, the
 * previous count stays shown until the new one is known.
 */
import { useEffect, useRef, useState } from 'react';

import type { CountCache } from '../counter.js';
import type { ListQuery } from '../exchange-pages.js';

export function useCount(cache: CountCache, query: ListQuery, version: number): number | null {
  const [count, setCount] = useState<{ query: ListQuery; n: number } | null>(null);
  const latest = useRef(query);
  latest.current = query;
  useEffect(() => {
    let current = true;
    cache.get(query).then(
      (n) => {
        if (current && n !== null && latest.current === query) setCount({ query, n });
      },
      () => {},
    );
    return () => {
      current = false;
    };
  }, [cache, query, version]);
  if (count && count.query === query) return count.n;
  return cache.peek(query) ?? null;
}
