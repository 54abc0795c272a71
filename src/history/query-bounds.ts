/**
 * What a filter says every match must have, read off its top level, so a query over a directory
 * skips files that cannot hold one (catalog.ts mayMatch). Only what is certain: a term under
 * `or` or `not` bounds nothing, and a glob or regex names no host or process.
 */
import type { FilterAst } from '../query/index.js';
import { timeSpan } from '../query/time-span.js';
import { asciiLower } from '../model/text-sql.js';
import { NO_BOUNDS, type QueryBounds } from './catalog.js';

const later = (a: bigint | null, b: bigint) => (a === null || b > a ? b : a);
const earlier = (a: bigint | null, b: bigint) => (a === null || b < a ? b : a);

/** Two lists a match must both satisfy: what is in both (null is "anything"). */
function both(a: string[] | null, b: string[]): string[] {
  return a === null ? b : a.filter((v) => b.includes(v));
}

export function queryBounds(ast: FilterAst, now: Date): QueryBounds {
  const items = ast.type === 'and' ? ast.items : [ast];
  const out: QueryBounds = { ...NO_BOUNDS };
  for (const t of items) {
    if (t.type === 'time') {
      // as compile-sql.ts binds them: since from the start of its span, until through its end
      const [start, end] = timeSpan(t.at, now);
      if (t.bound === 'since') out.since = later(out.since, start);
      else out.until = earlier(out.until, end);
    } else if (t.type === 'host' && t.match.kind === 'exact') {
      out.hosts = both(out.hosts, [asciiLower(t.match.value)]);
    } else if (t.type === 'process' && t.match.kind === 'exact') {
      out.comms = both(out.comms, [t.match.value]);
    }
  }
  return out;
}
