/**
 * Identity and version of a .tinytap file: what a reader checks before trusting the tables.
 * SPEC.md ("Session file") is the long form.
 */
import { readFileSync } from 'node:fs';

/** PRAGMA application_id of every tinytap session: 0x74746171, "ttaq". */
export const APPLICATION_ID = 0x74746171;
/** PRAGMA user_version: the raw schema's version (formats/session.sql). */
export const SCHEMA_VERSION = 3;

/**
 * What schema 2 added to schema 1 (SPEC.md §3, §4): a schema-1 file holds formats/session.sql
 * without these, and nothing else.
 */
export const SCHEMA_2_ADDITIONS = {
  tables: ['connection_users'],
  columns: [['connections', 'closed_how']] as [table: string, column: string][],
};

/** event_blocks.codec */
export const CODEC_STORED = 0;
export const CODEC_DEFLATE = 1;
export const CODEC_ZSTD = 2;

/** The recorder seals a block once it holds this many bytes of records (session-writer.ts). */
export const BLOCK_SEAL_BYTES = 8 << 20;

/**
 * The most a block may hold once decompressed (SPEC.md §4.1). A block is sealed at
 * BLOCK_SEAL_BYTES, past it by at most the batch that crossed it (one drain of the kernel's ring
 * buffer, 4 MiB by default): a larger raw_len is a damaged or hostile block, never inflated.
 */
export const MAX_BLOCK_RAW_BYTES = 8 * BLOCK_SEAL_BYTES;

const formatsDir = new URL('../../formats/', import.meta.url);

export function sessionSchemaSql(): string {
  return readFileSync(new URL('session.sql', formatsDir), 'utf8');
}

export function formatsFile(name: string): string {
  return readFileSync(new URL(name, formatsDir), 'utf8');
}

/**
 * The derived tables (formats/exchanges.sql), created in `schema`: 'main' is the file itself,
 * 'temp' is the reading connection's own scratch space, which SQLite searches before 'main' for
 * unqualified names, so every query reads the temp tables without knowing they are there.
 */
export function derivedSchemaSql(schema: 'main' | 'temp' = 'main'): string {
  const sql = formatsFile('exchanges.sql');
  // every object is declared `... IF NOT EXISTS name`; an index lives in its table's schema
  return schema === 'main' ? sql : sql.replace(/IF NOT EXISTS (\w+)/g, `IF NOT EXISTS ${schema}.$1`);
}

/** A secondary index formats/exchanges.sql marks "on first use": made by the first query that needs it. */
export interface FirstUseIndex {
  name: string;
  /** The columns it orders by: a query naming one of them makes it. */
  columns: string[];
  /** Its CREATE INDEX statement, in the schema asked for. */
  sql: string;
}

const FIRST_USE = ' -- on first use';

/**
 * derivedSchemaSql as the tables and, apart, the statements of their secondary indexes, for a
 * build that fills the tables first: SQLite makes an index of a full table by sorting it once,
 * which costs less than keeping fifteen indexes in order through every insert (7% of building
 * 100,000 exchanges) and leaves them packed (2% smaller). `firstUse`: the indexes a build leaves
 * to the first query that needs them (session/first-use-indexes.ts).
 */
export function derivedSchemaParts(schema: 'main' | 'temp' = 'main'): { tables: string; indexes: string[]; firstUse: FirstUseIndex[] } {
  const sql = derivedSchemaSql(schema);
  // each CREATE INDEX statement of formats/exchanges.sql is one line, ending at its ';'
  const lines = sql.match(/^CREATE INDEX [^;]*;( -- on first use)?$/gm) ?? [];
  const indexes: string[] = [];
  const firstUse: FirstUseIndex[] = [];
  for (const line of lines) {
    const statement = line.endsWith(FIRST_USE) ? line.slice(0, -FIRST_USE.length) : line;
    if (statement === line) {
      indexes.push(statement);
      continue;
    }
    const m = /^CREATE INDEX IF NOT EXISTS (?:\w+\.)?(\w+) ON \w+\(([^)]*)\)/.exec(statement);
    if (!m) throw new Error(`formats/exchanges.sql: cannot read ${statement}`);
    firstUse.push({ name: m[1], columns: m[2].split(',').map((c) => c.trim().split(/\s+/)[0]), sql: statement });
  }
  return { tables: lines.reduce((rest, i) => rest.replace(i, ''), sql), indexes, firstUse };
}

let firstUse: FirstUseIndex[] | null = null;

/** The indexes formats/exchanges.sql leaves to first use, as made in the file (main). */
export function firstUseIndexes(): FirstUseIndex[] {
  firstUse ??= derivedSchemaParts('main').firstUse;
  return firstUse;
}
