/**
 * The catalog of a directory of sessions (a `record --dir` chain, or any .tinytap files): for each
 * file, what it was when last looked at (size, mtime, inode) and what it holds (session/file-facts.ts),
 * so a query over a month of files opens only those whose time range and contents can match.
 * It is a cache: anything it says is checked against the file's stat, a stale entry is read
 * again, a missing catalog is rebuilt, and one that is not well-formed is ignored. Pure: the
 * file itself is read and written by catalog-store.ts.
 */
import { type BuiltFacts, FACT_LIST_LIMIT, type RawFacts } from '../session/file-facts.js';

export const CATALOG_VERSION = 1;

/** The stat values that say a file is still the one the entry describes. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface CatalogEntry extends FileStamp {
  name: string;
  raw: RawFacts;
  /** Null until a query has built the file's exchanges. */
  built: BuiltFacts | null;
}

export interface Catalog {
  version: typeof CATALOG_VERSION;
  files: CatalogEntry[];
}

export const sameStamp = (a: FileStamp, b: FileStamp) => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

// ---- reading a catalog someone else may have written: every value checked ----

const isNs = (v: unknown): v is string => typeof v === 'string' && /^-?\d{1,19}$/.test(v);
const isNsOrNull = (v: unknown) => v === null || isNs(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNameList = (v: unknown) => v === null || (Array.isArray(v) && v.length <= FACT_LIST_LIMIT && v.every((s) => typeof s === 'string' && s.length <= 4096));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isRaw(v: unknown): v is RawFacts {
  if (!isObject(v) || !isNsOrNull(v.firstTs) || !isNsOrNull(v.lastTs) || !isNsOrNull(v.startedAt)) return false;
  if (v.chain === null) return true;
  const c = v.chain;
  return isObject(c) && typeof c.id === 'string' && isCount(c.sequence) && (c.previous === null || typeof c.previous === 'string');
}

function isBuilt(v: unknown): v is BuiltFacts | null {
  if (v === null) return true;
  return isObject(v) && isCount(v.exchanges) && isNsOrNull(v.reqFrom) && isNsOrNull(v.reqTo) && isNameList(v.hosts) && isNameList(v.comms);
}

function isEntry(v: unknown): v is CatalogEntry {
  return (
    isObject(v) &&
    typeof v.name === 'string' &&
    !v.name.includes('/') &&
    isCount(v.size) &&
    typeof v.mtimeMs === 'number' &&
    Number.isFinite(v.mtimeMs) &&
    isCount(v.ino) &&
    isRaw(v.raw) &&
    isBuilt(v.built)
  );
}

/** The catalog in `text`, or null if it is not one this version wrote whole. */
export function parseCatalog(text: string): Catalog | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v) || v.version !== CATALOG_VERSION || !Array.isArray(v.files) || !v.files.every(isEntry)) return null;
  return { version: CATALOG_VERSION, files: v.files };
}

// ---- which files a query can skip ----

/** What a filter says about time (half-open [since, until), wall-clock ns), host and process, when it says it for every match. */
export interface QueryBounds {
  since: bigint | null;
  until: bigint | null;
  /** Lower-cased: a match has one of these hosts. */
  hosts: string[] | null;
  /** A match has one of these processes on one side or the other. */
  comms: string[] | null;
}

export const NO_BOUNDS: QueryBounds = { since: null, until: null, hosts: null, comms: null };

/**
 * Whether the file can hold an exchange within the bounds. Built: by its exchanges' start times
 * and names. Not built yet: an exchange starts no later than the file's last record; it starts no
 * earlier than the first unless the file continues a chain (an exchange it carries over from the
 * file before may have started there).
 */
export function mayMatch(e: CatalogEntry, b: QueryBounds): boolean {
  if (e.built) {
    const { reqFrom, reqTo, hosts, comms } = e.built;
    if (e.built.exchanges === 0 || reqFrom === null || reqTo === null) return false;
    if (b.since !== null && BigInt(reqTo) < b.since) return false;
    if (b.until !== null && BigInt(reqFrom) >= b.until) return false;
    if (b.hosts && hosts && !b.hosts.some((h) => hosts.includes(h))) return false;
    if (b.comms && comms && !b.comms.some((c) => comms.includes(c))) return false;
    return true;
  }
  const { firstTs, lastTs, chain } = e.raw;
  if (lastTs === null) return true; // nothing recorded yet, or unreadable: let the open say which
  if (b.since !== null && BigInt(lastTs) < b.since) return false;
  if (b.until !== null && firstTs !== null && (chain?.previous ?? null) === null && BigInt(firstTs) >= b.until) return false;
  return true;
}

/** Where the file sits on the time line: its first exchange, else its first record. */
export function entryStart(e: CatalogEntry): bigint | null {
  const v = e.built?.reqFrom ?? e.raw.firstTs ?? e.raw.startedAt;
  return v === null ? null : BigInt(v);
}

/**
 * Files catalogued before that are gone now, and which of them leave a hole in the history: a
 * file older than one still here was deleted by hand (a recorder's budget deletes the oldest first).
 */
export function missingFiles(before: readonly CatalogEntry[], present: ReadonlySet<string>): { gone: string[]; holes: string[] } {
  const gone = before.filter((e) => !present.has(e.name));
  const start = (e: CatalogEntry) => entryStart(e) ?? 0n;
  const kept = before.filter((e) => present.has(e.name));
  const oldestKept = kept.length ? kept.reduce((m, e) => (start(e) < m ? start(e) : m), start(kept[0])) : null;
  return { gone: gone.map((e) => e.name), holes: gone.filter((e) => oldestKept !== null && start(e) > oldestKept).map((e) => e.name) };
}
