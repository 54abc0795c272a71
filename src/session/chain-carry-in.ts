/**
 * What a file of a `record --dir` chain begins with from the file before it (SPEC.md §3.1): the
 * flows that file handed on (chain-carry.ts) and the records of their exchanges still in flight,
 * to be read before this file's own. An exchange belongs to the file holding its last byte.
 *
 * What the file before handed on is in its derived_meta when it was built by this version;
 * otherwise it is worked out from its records, by running the build's pass over the connections
 * that went on (after, recursively, what that file itself was handed). The file before is only
 * read, never built or written.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type Database from 'better-sqlite3';

import { type CaptureRecord, isDataRecord } from '../events/decode-records.js';
import { Direction, Kind } from '../events/layout.js';
import { isChainFileName } from '../files/chain-names.js';
import type { FlowCarry } from '../reconstruct/chain-carry.js';
import type { FlowPlan } from '../reconstruct/flow-plan.js';
import { BuildPass, type PassChain } from './build-pass.js';
import { type CarriedRecord, type RecordOrigin, carriedOrigins } from './carried-blocks.js';
import { parsedJson } from './damage.js';
import { EventReader } from './event-reader.js';
import { MetaReader, isCount, isShaped, isText } from './meta.js';
import { openSessionDb } from './open-session.js';
import { TlsLibraryNames } from './tls-library-names.js';

/**
 * Files gone back through at most, when the ones before are not built: past it, what was in
 * flight is not carried (a connection open for days must not make a build read every file).
 */
export const MAX_FILES_BACK = 32;

/** derived_meta keys: what a built file handed on, and what it was handed. */
export const CARRY_OUT_KEY = 'carry_out';
export const CARRIED_IN_KEY = 'carried_in';

export interface ChainMeta {
  id: string;
  sequence: number;
  previous: string | null;
  next: string | null;
}

const isName = (v: unknown) => v === null || (isText(v) && isChainFileName(v));
const isChain = isShaped<ChainMeta>({ id: isText, sequence: isCount, previous: isName, next: isName });

/** A file's place in its chain (meta `chain`), or null when it is not a chain's. */
export function chainOf(db: Database.Database): ChainMeta | null {
  return new MetaReader(db).get('chain', isChain);
}

/** Wall-clock ns of the file's own first record (not one carried in), or null for a file with none. */
function firstRecordTs(db: Database.Database): bigint | null {
  const first = db.prepare("SELECT min(first_ts) FROM main.event_blocks WHERE typeof(first_ts) = 'integer'").pluck().safeIntegers(true).get();
  return typeof first === 'bigint' ? first : null;
}

/**
 * How a file of a chain is built (build-pass.ts PassChain): where the flows handed to it go on
 * from, why others are split, whether it hands on. The same for a build of the file and for
 * working out what it handed on, so both read its flows alike.
 */
export function passChainOf(db: Database.Database, carryIn: CarryIn): PassChain | null {
  const chain = chainOf(db);
  if (!chain) return null;
  const notes: [number, string][] = [];
  for (const f of carryIn.flows)
    if (f.carry === 'split')
      for (const c of f.conns)
        if (c !== null) notes.push([c, `began in ${carryIn.file}, and ${f.reason}: what was in flight when that file ended is in part in each, flagged`]);
  return {
    starts: carryIn.flows.filter((f) => f.carry === 'restart').flatMap((f) => f.starts),
    notes,
    beganBefore: carryIn.note ? `began before this file; ${carryIn.note}` : null,
    handOn: chain.next !== null,
    firstTs: firstRecordTs(db),
  };
}

/** A flow handed on, with where its first byte in flight was recorded (null: nothing in flight). */
export interface CarriedFlow extends FlowCarry {
  from: RecordOrigin | null;
}

/** What a built file's derived_meta says it handed on. */
export interface StoredCarryOut {
  /** The file it was handed to (meta chain.next when it was built). */
  next: string;
  flows: CarriedFlow[];
}

export interface CarryIn {
  /** The file before, by name; null when this is not a later file of a chain. */
  file: string | null;
  /** Why nothing could be carried in, if so. */
  note: string | null;
  /** The flows handed on, their `at` numbered in this file. */
  flows: CarriedFlow[];
  /** The records carried in, numbered -K..-1 in capture order. */
  records: CarriedRecord[];
}

/** Nothing carried in: not a later file of a chain, or a follower, which reads no file before. */
export const NOTHING: CarryIn = { file: null, note: null, flows: [], records: [] };

/** What of a build this needs, handed over by build-exchanges.ts (which uses this module). */
export interface BuildParts {
  /** The file's derived tables are this version's, from all its records. */
  isCurrent: (db: Database.Database) => boolean;
  /** Its flows as a build plans them. */
  plans: (db: Database.Database) => FlowPlan[];
  /** Wall-clock ns its times count from. */
  start: (db: Database.Database) => bigint;
}

/** What the file at `path` (open as `db`) begins with from the file before it in its chain. */
export function carryInto(db: Database.Database, parts: BuildParts, path = db.name): CarryIn {
  return carryInOf(db, path, null, 0, parts);
}

function connectionIds(db: Database.Database): Set<number> {
  return new Set((db.prepare('SELECT id FROM connections').pluck().all()).filter((v): v is number => typeof v === 'number'));
}

function carryInOf(db: Database.Database, path: string, wanted: Set<number> | null, depth: number, parts: BuildParts): CarryIn {
  const chain = chainOf(db);
  if (!chain?.previous) return NOTHING;
  const file = chain.previous;
  const none = (note: string | null): CarryIn => ({ file, note, flows: [], records: [] });
  const conns = new Set([...connectionIds(db)].filter((c) => !wanted || wanted.has(c)));
  if (conns.size === 0) return none(null);
  const prevPath = join(dirname(path), file);
  if (!existsSync(prevPath)) return none(`${file} is not beside it: nothing in flight when it ended was carried in`);
  if (depth >= MAX_FILES_BACK) return none(`more than ${MAX_FILES_BACK} files before it are not built: nothing in flight was carried in`);
  let prev: Database.Database;
  try {
    prev = openSessionDb(prevPath, { readonly: true });
  } catch (err) {
    return none(`${file} cannot be read (${(err as Error).message}): nothing in flight when it ended was carried in`);
  }
  try {
    const before = chainOf(prev);
    if (before?.id !== chain.id || before.next !== basename(path)) return none(`${file} does not name this file as the next of its chain: nothing was carried in`);
    return { file, note: null, ...carried(carryOutOf(prev, prevPath, basename(path), conns, depth, parts)) };
  } finally {
    prev.close();
  }
}

/** What a file handed on to `next`: its flows (numbered in it), and its records from a number on. */
interface CarryOut {
  flows: CarriedFlow[];
  records: (connIds: number[], from: number) => Iterable<CarriedRecord>;
}

const touches = (f: { conns: readonly (number | null)[] }, conns: Set<number>) => f.conns.some((c) => c !== null && conns.has(c));

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isStart = (v: unknown) =>
  Array.isArray(v) && v.length === 4 && isInt(v[0]) && (v[1] === Direction.EGRESS || v[1] === Direction.INGRESS) && (v[2] === 'socket' || v[2] === 'tls') && isInt(v[3]) && v[3] >= 0;
const isFlow = isShaped<CarriedFlow>({
  conns: (v) => Array.isArray(v) && v.length === 2 && v.every((c) => c === null || isInt(c)),
  protocol: isText,
  carry: (v) => v === 'restart' || v === 'split',
  reason: (v) => v === null || isText(v),
  starts: (v) => Array.isArray(v) && v.every(isStart),
  at: (v) => v === null || isInt(v),
  from: (v) => v === null || isShaped({ file: isText, record: isInt })(v),
});
const isStored = isShaped<StoredCarryOut>({ next: isText, flows: (v) => Array.isArray(v) && v.every(isFlow) });

/**
 * A built file's derived_meta carry_out, when it was made for `next` and has the shape this
 * version writes (the file may be anyone's: a value of another shape is worked out again).
 */
function storedCarryOut(db: Database.Database, next: string): StoredCarryOut | null {
  const v = parsedJson(db.prepare('SELECT value FROM main.derived_meta WHERE key = ?').pluck().get(CARRY_OUT_KEY));
  return isStored(v) && v.next === next ? v : null;
}

function carryOutOf(prev: Database.Database, prevPath: string, next: string, conns: Set<number>, depth: number, parts: BuildParts): CarryOut {
  const name = basename(prevPath);
  const stored = parts.isCurrent(prev) ? storedCarryOut(prev, next) : null;
  if (stored) {
    const reader = new EventReader(prev);
    const originOf = carriedOrigins(prev);
    return {
      flows: stored.flows.filter((f) => touches(f, conns)),
      records: function* (connIds, from) {
        for (const { n, rec, bytes } of reader.framed({ connIds, fromRecord: from }))
          yield { n, rec, bytes, origin: n < 0 ? (originOf(n) ?? { file: name, record: n }) : { file: name, record: n } };
      },
    };
  }
  return workedOut(prev, prevPath, name, conns, depth, parts);
}

/** What a file not built (by this version) handed on, worked out from its records. */
function workedOut(prev: Database.Database, prevPath: string, name: string, conns: Set<number>, depth: number, parts: BuildParts): CarryOut {
  const plans = parts.plans(prev).filter((p) => touches({ conns: [p.client?.id ?? null, p.server?.id ?? null] }, conns));
  const flowConns = new Set(plans.flatMap((p) => [p.client?.id, p.server?.id]).filter((c): c is number => c !== undefined));
  const before = carryInOf(prev, prevPath, flowConns, depth + 1, parts);
  const names = new TlsLibraryNames(prev);
  const pass = new BuildPass(plans, parts.start(prev), (auxFd) => names.name(auxFd), () => {}, passChainOf(prev, before));
  for (const r of before.records) pass.record(r.rec, r.n);
  const reader = new EventReader(prev);
  // its own records only: carried_blocks of an older build are not what `before` is
  for (const { n, rec } of reader.records({ connIds: [...flowConns], fromRecord: 0 })) pass.record(rec, n);
  const origin = new Map(before.records.map((r) => [r.n, r.origin]));
  const flows = pass.finish().carry.map((f) => ({ ...f, from: f.at === null ? null : f.at < 0 ? (origin.get(f.at) ?? null) : { file: name, record: f.at } }));
  return {
    flows,
    records: function* (connIds, from) {
      const ids = new Set(connIds);
      for (const r of before.records) if (r.n >= from && (ids.has(connOf(r.rec)) || awaitsJoin(r.rec))) yield r;
      for (const { n, rec, bytes } of reader.framed({ connIds, fromRecord: Math.max(0, from) })) yield { n, rec, bytes, origin: { file: name, record: n } };
    },
  };
}

function connOf(rec: CaptureRecord): number {
  return rec.kind === Kind.PROC ? -1 : rec.connId;
}

/** TLS plaintext written before its socket was known: its TLS_JOIN says whose it is. */
function awaitsJoin(rec: CaptureRecord): boolean {
  return rec.kind === Kind.TLS_DATA && rec.connId === 0 && rec.dir === Direction.EGRESS;
}

/**
 * The records of the flows handed on that had something in flight, from the first event of
 * each, renumbered -K..-1; and the flows, their `at` numbered here.
 */
function carried(out: CarryOut): Pick<CarryIn, 'flows' | 'records'> {
  const pending = out.flows.filter((f) => f.carry === 'restart' && f.at !== null);
  const flowOf = new Map<number, CarriedFlow>();
  for (const f of pending) for (const c of f.conns) if (c !== null) flowOf.set(c, f);
  const kept: CarriedRecord[] = [];
  if (pending.length) {
    const from = Math.min(...pending.map((f) => f.at!));
    const open = new Set<number>(); // threads whose syscall's first chunk was kept
    const ahead = new Map<number, CarriedRecord>(); // plaintext awaiting its join, by token
    for (const r of out.records([...flowOf.keys()], from)) {
      const { rec } = r;
      if (awaitsJoin(rec) && isDataRecord(rec)) {
        ahead.set(rec.streamOff, r);
        continue;
      }
      const f = flowOf.get(connOf(rec));
      const mine = !!f && r.n >= f.at!;
      if (isDataRecord(rec)) {
        // the later chunks of a syscall whose first chunk is not carried are no part of it
        if (rec.chunkOff === 0) {
          if (mine) open.add(rec.tid);
          else open.delete(rec.tid);
        } else if (!open.has(rec.tid)) continue;
      }
      if (!mine) continue;
      if (rec.kind === Kind.TLS_JOIN) {
        const plain = ahead.get(rec.token);
        if (plain) kept.push(plain);
      }
      kept.push(r);
    }
  }
  kept.sort((a, b) => a.n - b.n);
  const records = kept.map((r, i) => ({ ...r, n: i - kept.length }));
  const firstHere = new Map<CarriedFlow, number>();
  for (const r of records) {
    const f = flowOf.get(connOf(r.rec));
    if (f && !firstHere.has(f)) firstHere.set(f, r.n);
  }
  return { flows: out.flows.map((f) => ({ ...f, at: firstHere.get(f) ?? null })), records };
}
