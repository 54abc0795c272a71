/**
 * One history over several session files: a directory (a `record --dir` chain, or any .tinytap
 * files put together), several files, or one file. Reading commands list, search and export
 * across it in time order; each exchange keeps its own file's id, shown as `TAG/ID` (history-id.ts).
 * A directory's catalog (catalog.ts) says which files a query can skip; the files a query needs
 * are opened (and built on first use) one after another, as the merge reaches them.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

import type { Exchange } from '../model/exchange.js';
import type { ExchangeSummary } from '../model/exchange-table.js';
import { sessionBytes } from '../files/session-files.js';
import { builtFacts, rawFacts } from '../session/file-facts.js';
import { openSessionDb } from '../session/open-session.js';
import type { ExchangeQuery, Session } from '../session/session.js';
import { CATALOG_VERSION, type Catalog, type CatalogEntry, type FileStamp, NO_BOUNDS, type QueryBounds, entryStart, mayMatch, missingFiles, sameStamp } from './catalog.js';
import { readCatalog, writeCatalog } from './catalog-store.js';
import { HistoryError, usageError } from './history-error.js';
import { fileTag, formatId, parseHistoryId } from './history-id.js';
import { mergeSorted } from './merge.js';

export interface HistoryFile {
  path: string;
  /** What its ids are prefixed with; null for a history of one file (plain ids). */
  tag: string | null;
  entry: CatalogEntry;
  /** The catalog it belongs to (its directory's), saved when facts are learned. */
  dir: string | null;
}

export interface HistoryRow {
  file: HistoryFile;
  x: ExchangeSummary;
}

export interface HistoryOptions {
  /** Opens one file for reading (the CLI's opens with a progress bar while it builds). */
  open: (path: string) => Session;
  /** A line for the user: a file skipped, a hole in the history. */
  note?: (text: string) => void;
}

/** How a query's rows are ordered across files; the default is time. */
export interface HistoryOrder {
  orderBy?: string;
  descending?: boolean;
  limit?: number;
}

const TIME = 'req_started';

function stampOf(path: string): FileStamp | null {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isFile()) return null;
  const wal = lstatSync(path + '-wal', { throwIfNoEntry: false });
  const mtimeMs = Math.max(st.mtimeMs, wal?.isFile() ? wal.mtimeMs : 0);
  return { size: sessionBytes(path), mtimeMs, ino: st.ino };
}

/** The regular .tinytap files of a directory (a link is not followed: it may point anywhere). */
function sessionFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.tinytap') && !n.startsWith('.'))
    .filter((n) => lstatSync(join(dir, n), { throwIfNoEntry: false })?.isFile());
}

/** A SQL-ordered comparison: NULL first, then numbers, then text (as SQLite orders a column). */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  const na = typeof a === 'bigint' || typeof a === 'number';
  const nb = typeof b === 'bigint' || typeof b === 'number';
  if (na && nb) return a < b ? -1 : a > b ? 1 : 0;
  if (na) return -1;
  if (nb) return 1;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export class History {
  private readonly open = new Map<HistoryFile, Session>();
  private readonly catalogs = new Map<string, { catalog: Catalog; changed: boolean }>();

  private constructor(
    readonly files: HistoryFile[],
    private readonly opts: HistoryOptions,
  ) {}

  /**
   * `paths` as a command got them: one file (a history of one), a directory, or several of
   * either. Files that are not sessions are skipped with a note when they came from a
   * directory; named one by one, they are an error as for one file.
   */
  static open(paths: string[], opts: HistoryOptions): History {
    const single = paths.length === 1 && !lstatSync(paths[0], { throwIfNoEntry: false })?.isDirectory();
    const h = new History([], opts);
    if (single) {
      // one file: no catalog, no tag; open() reports what is wrong with it as it always has
      h.files.push({ path: paths[0], tag: null, entry: h.emptyEntry(basename(paths[0])), dir: null });
      return h;
    }
    for (const p of paths) {
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) throw new HistoryError('ENOENT', `no such file or directory: ${p}`);
      if (st.isDirectory()) h.addDirectory(p);
      else {
        const entry = h.refreshed(null, p, basename(p), true);
        if (entry) h.files.push({ path: p, tag: fileTag(basename(p)), entry, dir: null });
      }
    }
    h.checkTags();
    h.files.sort((a, b) => compareValues(entryStart(a.entry), entryStart(b.entry)) || (a.path < b.path ? -1 : 1));
    h.saveCatalogs();
    return h;
  }

  private emptyEntry(name: string): CatalogEntry {
    return { name, size: 0, mtimeMs: 0, ino: 0, raw: { firstTs: null, lastTs: null, startedAt: null, chain: null }, built: null };
  }

  /** Two files named alike in different directories would have the same ids. */
  private checkTags(): void {
    const seen = new Map<string, string>();
    for (const f of this.files) {
      const other = seen.get(f.tag!);
      if (other !== undefined) throw usageError(`${other} and ${f.path} would give their exchanges the same ids (${f.tag}/…): give them one at a time`);
      seen.set(f.tag!, f.path);
    }
  }

  private addDirectory(dir: string): void {
    const read = readCatalog(dir);
    const before = read.catalog?.files ?? [];
    const names = sessionFilesIn(dir);
    const { holes } = missingFiles(before, new Set(names));
    for (const name of holes) this.note(`${join(dir, name)} is gone (deleted by hand?): dropped from the catalog; the history has a gap there`);
    const byName = new Map(before.map((e) => [e.name, e]));
    const entries: CatalogEntry[] = [];
    for (const name of names) {
      const entry = this.refreshed(byName.get(name) ?? null, join(dir, name), name, false);
      if (!entry) continue;
      entries.push(entry);
      this.files.push({ path: join(dir, name), tag: fileTag(name), entry, dir });
    }
    const changed = read.catalog === null || entries.length !== before.length || entries.some((e) => e !== byName.get(e.name));
    this.catalogs.set(dir, { catalog: { version: CATALOG_VERSION, files: entries }, changed });
  }

  /** The entry for a file: the catalog's if the file is unchanged, else its raw facts read again; null if it is not a session. */
  private refreshed(old: CatalogEntry | null, path: string, name: string, named: boolean): CatalogEntry | null {
    const stamp = stampOf(path);
    if (!stamp) return null;
    if (old && sameStamp(old, stamp)) return old;
    try {
      const db = openSessionDb(path, { readonly: true });
      try {
        return { name, ...stamp, raw: rawFacts(db), built: null };
      } finally {
        db.close();
      }
    } catch (err) {
      if (named) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'ENOTSESSION' || code === 'ENEWER' || code === 'ECORRUPT' || code === 'EFILE' || code === 'EACCES' || code === 'EPERM')
        this.note(`${path}: ${(err as Error).message}: skipped`);
      else throw err;
      return null;
    }
  }

  private note(text: string): void {
    this.opts.note?.(text);
  }

  /** Whether ids carry their file (several files), or are plain (one). */
  get tagged(): boolean {
    return this.files.length !== 1 || this.files[0].tag !== null;
  }

  idText(file: HistoryFile, id: number | bigint): string {
    return formatId(file.tag, id);
  }

  /** The file and id an id as typed names. */
  find(text: string): { file: HistoryFile; id: number } {
    const tags = this.files[0]?.tag === null ? null : this.files.map((f) => f.tag!);
    const { tag, id } = parseHistoryId(text, tags);
    const file = tag === null ? this.files[0] : this.files.find((f) => f.tag === tag)!;
    return { file, id };
  }

  /** The file open for reading (built if it was not), kept open until close(). */
  session(file: HistoryFile): Session {
    let s = this.open.get(file);
    if (!s) {
      s = this.opts.open(file.path);
      this.open.set(file, s);
      if (file.dir !== null || file.tag !== null) this.learn(file, s);
    }
    return s;
  }

  /** A file's exchanges are built: the catalog learns what they hold. */
  private learn(file: HistoryFile, s: Session): void {
    const stamp = stampOf(file.path);
    if (!stamp) return;
    // opened without building: what the catalog says of its exchanges still holds
    if (file.entry.built && sameStamp(file.entry, stamp)) return;
    const entry: CatalogEntry = { ...file.entry, ...stamp, built: builtFacts(s.db) };
    // a file being recorded has its exchanges built beside it, not in it: what they say now is not what it will hold
    if (s.derivedInTemp()) entry.built = null;
    file.entry = entry;
    if (file.dir === null) return;
    const c = this.catalogs.get(file.dir);
    if (!c) return;
    c.catalog.files = c.catalog.files.map((e) => (e.name === entry.name ? entry : e));
    c.changed = true;
  }

  private release(file: HistoryFile): void {
    this.open.get(file)?.close();
    this.open.delete(file);
  }

  private saveCatalogs(): void {
    for (const [dir, c] of this.catalogs) {
      if (!c.changed) continue;
      writeCatalog(dir, c.catalog);
      c.changed = false;
    }
  }

  close(): void {
    for (const s of this.open.values()) s.close();
    this.open.clear();
    this.saveCatalogs();
  }

  /** The files a query with these bounds must read, in time order. */
  candidates(bounds: QueryBounds = NO_BOUNDS): HistoryFile[] {
    if (!this.tagged) return this.files;
    return this.files.filter((f) => mayMatch(f.entry, bounds));
  }

  /**
   * The exchanges `query(session)` selects in each file that can match, merged in order. In time
   * order the files are opened as the merge reaches them; in another order each file gives its
   * first `limit` rows and these are merged. A row's file stays open while the caller looks at it
   * (session(row.file) is the open one).
   */
  *rows(query: (s: Session) => ExchangeQuery, order: HistoryOrder = {}, bounds: QueryBounds = NO_BOUNDS): Generator<HistoryRow> {
    const files = this.candidates(bounds);
    const orderBy = order.orderBy ?? TIME;
    const desc = !!order.descending;
    const perFile = (f: HistoryFile): Iterator<HistoryRow> => {
      const s = this.session(f);
      const q = { ...query(s), orderBy, descending: desc, limit: order.limit };
      const rows = s.iterateExchanges(q);
      const release = () => this.release(f);
      return {
        next: () => {
          const r = rows.next();
          if (r.done) {
            release();
            return { done: true, value: undefined };
          }
          return { done: false, value: { file: f, x: r.value } };
        },
        return: () => {
          rows.return(undefined);
          release();
          return { done: true, value: undefined };
        },
      };
    };
    const rank = new Map(files.map((f, i) => [f, i]));
    const key = (r: HistoryRow) => (r.x as unknown as Record<string, unknown>)[orderBy];
    const cmp = (a: HistoryRow, b: HistoryRow) => {
      const c = compareValues(key(a), key(b)) || rank.get(a.file)! - rank.get(b.file)! || compareValues(a.x.id, b.x.id);
      return desc ? -c : c;
    };
    let n = 0;
    const limit = order.limit ?? Infinity;
    if (orderBy === TIME) {
      // a file need not be opened before the merge reaches the earliest (latest) time it can hold
      const bound = (f: HistoryFile): bigint | null => {
        const e = f.entry;
        if (desc) {
          const to = e.built ? e.built.reqTo : e.raw.lastTs;
          return to === null ? null : BigInt(to);
        }
        if (e.built) return e.built.reqFrom === null ? null : BigInt(e.built.reqFrom);
        return (e.raw.chain?.previous ?? null) === null && e.raw.firstTs !== null ? BigInt(e.raw.firstTs) : null;
      };
      const ordered = [...files].sort((a, b) => {
        const ba = bound(a);
        const bb = bound(b);
        // unknown bounds first: opened at once
        if (ba === null || bb === null) return ba === bb ? 0 : ba === null ? -1 : 1;
        return desc ? compareValues(bb, ba) : compareValues(ba, bb);
      });
      for (const r of mergeSorted(ordered, perFile, cmp, (f, head) => {
        const b = bound(f);
        if (b === null || head === null) return true;
        const at = head.x.req_started;
        return desc ? b >= at : b <= at;
      })) {
        if (n++ >= limit) return;
        yield r;
      }
      return;
    }
    const all: HistoryRow[] = [];
    for (const f of files) {
      const it = perFile(f);
      for (let r = it.next(); !r.done; r = it.next()) all.push(r.value);
    }
    all.sort(cmp);
    for (const r of all) {
      if (n++ >= limit) return;
      yield r;
    }
  }

  /**
   * Whole HTTP exchanges (bodies and all) that `query(session)` selects, file after file in time
   * order and in capture order within each: for exports, which stream them one at a time.
   */
  *wholeExchanges(query: (s: Session) => ExchangeQuery, bounds: QueryBounds = NO_BOUNDS): Generator<{ file: HistoryFile; ex: Exchange }> {
    for (const f of this.candidates(bounds)) {
      const s = this.session(f);
      try {
        for (const ex of s.iterateWholeExchanges(query(s))) yield { file: f, ex };
      } finally {
        this.release(f);
      }
    }
  }

  /** How many exchanges match, over the files that can hold one. */
  count(query: (s: Session) => ExchangeQuery, bounds: QueryBounds = NO_BOUNDS): number {
    let total = 0;
    for (const f of this.candidates(bounds)) {
      const s = this.session(f);
      const q = query(s);
      total += s.countExchanges(q.where, q.params);
      this.release(f);
    }
    return total;
  }

  /** Every exchange of every file: from the catalog where it knows, else by opening the file. */
  totalExchanges(): number {
    let total = 0;
    for (const f of this.files) {
      if (f.entry.built && sameStamp(f.entry, stampOf(f.path) ?? { size: -1, mtimeMs: 0, ino: 0 })) total += f.entry.built.exchanges;
      else {
        total += this.session(f).countExchanges();
        this.release(f);
      }
    }
    return total;
  }
}
