/**
 * `diff` over histories: either side a directory (or a file) narrowed to a time range with
 * --a-since/--a-until and --b-since/--b-until, e.g. this morning against Thursday's in the same
 * DIR. Each side's exchanges are numbered in time order for the comparison; each number loads
 * from its own file.
 */
import type { DiffSource } from '../diff/diff-sessions.js';
import type { FilterAst } from '../query/index.js';
import type { History, HistoryFile } from '../history/history.js';
import { queryBounds } from '../history/query-bounds.js';
import type { Session } from '../session/session.js';
import { type FilterArg, compileFilterArg } from './filter-arg.js';
import { timeFlagTerms } from './time-flags.js';

export interface SideFlags {
  aSince?: string;
  aUntil?: string;
  bSince?: string;
  bUntil?: string;
}

/** The filter of one side: the shared filter and that side's own time range. */
export function sideFilter(arg: FilterArg, since: string | undefined, until: string | undefined, words: string[], side: 'a' | 'b'): FilterArg {
  const terms = timeFlagTerms({ since, until }, words).map((t) => t);
  if (terms.length === 0) return arg;
  const base = arg.ast.type === 'and' ? arg.ast.items : arg.ast.type === 'all' ? [] : [arg.ast];
  const items: FilterAst[] = [...base, ...terms];
  const range = [since === undefined ? '' : `--${side}-since ${since}`, until === undefined ? '' : `--${side}-until ${until}`].filter(Boolean).join(' ');
  return { ast: items.length === 1 ? items[0] : { type: 'and', items }, text: [arg.text, range].filter(Boolean).join(' ') };
}

/** A history as one side of a diff; `span` grows to the times of what it lists (the ignore rules' window). */
export function historySource(history: History, arg: FilterArg, now: Date, span: { first: bigint | null; last: bigint | null }): DiffSource {
  const where: { file: HistoryFile; id: number }[] = [];
  const select = (s: Session) => compileFilterArg(s, arg, now);
  return {
    *summaries() {
      for (const r of history.rows(select, {}, queryBounds(arg.ast, now))) {
        where.push({ file: r.file, id: Number(r.x.id) });
        const t = r.x.req_started;
        if (span.first === null || t < span.first) span.first = t;
        if (span.last === null || t > span.last) span.last = t;
        yield { ...r.x, id: where.length };
      }
    },
    exchange(n) {
      const w = where[n - 1];
      if (!w) return null;
      const ex = history.session(w.file).exchange(w.id);
      if (ex && history.tagged) ex.label = history.idText(w.file, w.id);
      return ex && { ...ex, id: n };
    },
    messages(n) {
      const w = where[n - 1];
      return w ? history.session(w.file).wsMessages(w.id) : [];
    },
  };
}
