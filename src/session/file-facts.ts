/**
 * What a history's catalog keeps of one session file (src/history/catalog.ts), read here because
 * SQL lives in session/: the raw records' time span and the chain meta (cheap, no build), and
 * once the exchanges are built, their count, the span of their start times, and the hosts and
 * processes they name, so a query over a directory opens only the files that can match.
 */
import type Database from 'better-sqlite3';

import { Damage } from './damage.js';
import { MetaReader, isCount, isDecimalNs, isShaped, isText } from './meta.js';

export interface RawFacts {
  /** Wall-clock ns (decimal) of the first and last record; null for a file with none yet. */
  firstTs: string | null;
  lastTs: string | null;
  startedAt: string | null;
  chain: { id: string; sequence: number; previous: string | null } | null;
}

export interface BuiltFacts {
  exchanges: number;
  /** The earliest and latest req_started (decimal ns): what since:/until: compare. */
  reqFrom: string | null;
  reqTo: string | null;
  /** Lower-cased hosts and the processes (comm) named, or null when there are too many to list. */
  hosts: string[] | null;
  comms: string[] | null;
}

/** Beyond this many distinct values a list prunes little and costs the catalog its smallness. */
export const FACT_LIST_LIMIT = 200;

const isChainMeta = isShaped<{ id: string; sequence: number; previous: string | null }>({
  id: isText,
  sequence: isCount,
  previous: (v) => v === null || isText(v),
});

const decimal = (v: unknown) => (typeof v === 'bigint' ? v.toString() : null);

export function rawFacts(db: Database.Database): RawFacts {
  const span = db.prepare('SELECT min(first_ts) AS s, max(last_ts) AS e FROM event_blocks').safeIntegers(true).get() as { s: unknown; e: unknown };
  const meta = new MetaReader(db, new Damage());
  const chain = meta.get('chain', isChainMeta);
  return {
    firstTs: decimal(span.s),
    lastTs: decimal(span.e),
    startedAt: meta.get('started_at', isDecimalNs),
    chain: chain && { id: chain.id, sequence: chain.sequence, previous: chain.previous },
  };
}

/** Distinct non-null text values of a query, or null past FACT_LIST_LIMIT. */
function distinctTexts(db: Database.Database, sql: string): string[] | null {
  const values = db.prepare(`${sql} LIMIT ${FACT_LIST_LIMIT + 1}`).pluck().all();
  if (values.length > FACT_LIST_LIMIT) return null;
  return values.filter((v): v is string => typeof v === 'string').sort();
}

/** Facts of the built exchanges (main, or temp when built beside a file being recorded). */
export function builtFacts(db: Database.Database): BuiltFacts {
  const span = db.prepare('SELECT count(*) AS n, min(req_started) AS f, max(req_started) AS t FROM exchanges').safeIntegers(true).get() as {
    n: bigint;
    f: unknown;
    t: unknown;
  };
  const hosts = distinctTexts(db, 'SELECT DISTINCT lower(host) FROM exchanges WHERE host IS NOT NULL');
  const comms = distinctTexts(
    db,
    'SELECT c FROM (SELECT client_comm AS c FROM exchanges UNION SELECT server_comm FROM exchanges) WHERE c IS NOT NULL',
  );
  return { exchanges: Number(span.n), reqFrom: decimal(span.f), reqTo: decimal(span.t), hosts, comms };
}
