/**
 * Reads beside Session's own that the views need: pages of the flows table (so the Connections
 * view never holds all of them, as Session.flows() would), the search text of one exchange
 * (search and the TUI mark matches in it), the time span of the capture, and two meta values.
 * SQL lives in session/ and record/ only; the views ask here.
 */
import type Database from 'better-sqlite3';

import { dropsFromMeta } from './drops.js';
import { checkedFlow } from './exchange-loader.js';
import type { FlowSummary, Session } from './session.js';
import { isBeingRecorded, metaValue } from './recorder-alive.js';
import { textCodec } from './exchange-text.js';
import { TEXT_FIELDS } from '../model/text-sql.js';

export interface TimeSpan {
  startNs: bigint;
  endNs: bigint;
}

export type FlowAnchor = Pick<FlowSummary, 'started_at' | 'id'>;

/** As Session.flows() shapes a row: ids, pids, ports and counters as numbers; times bigint; every value checked. */
function flowRow(file: string, r: Record<string, unknown>): FlowSummary {
  return checkedFlow(file, r);
}

export class SessionQueries {
  private textStatement: Database.Statement | null = null;

  constructor(private readonly session: Session) {}

  private get db() {
    return this.session.db;
  }

  /** First and last record time of the capture (the waterfall's scale): a few hundred blocks. */
  timeSpan(): TimeSpan | null {
    const row = this.db.prepare('SELECT min(first_ts) AS s, max(last_ts) AS e FROM event_blocks').safeIntegers(true).get() as {
      s: bigint | null;
      e: bigint | null;
    };
    return row.s === null || row.e === null ? null : { startNs: row.s, endNs: row.e };
  }

  /** Records the kernel could not deliver (meta drops), 0 for a complete session. */
  droppedRecords(): number {
    return dropsFromMeta(metaValue(this.db, 'drops')).records;
  }

  /** A recorder is writing this session now (not stopped, not killed). */
  recording(): boolean {
    return isBeingRecorded(this.db);
  }

  /** The indexed text of an exchange (URL, header lines, decoded text bodies) for findMatches. */
  exchangeText(id: number): Record<string, string> | null {
    // prepared once: search asks for every exchange it lists
    this.textStatement ??= this.db.prepare('SELECT codec, data FROM exchange_text WHERE id = ?');
    const row = this.textStatement.get(id) as { codec: unknown; data: unknown } | undefined;
    const fields = row ? textCodec(this.db).decode(row.codec, row.data) : null;
    return fields ? Object.fromEntries(TEXT_FIELDS.map((f, i) => [f, fields[i]])) : null;
  }

  flowCount(): number {
    return Number(this.db.prepare('SELECT count(*) FROM flows').pluck().get());
  }

  /**
   * Flows in (started_at, id) order past `anchor` (keyset pagination on flows_started), forward
   * in that order or backward (returned nearest first).
   */
  flowsFrom(anchor: FlowAnchor | null, forward: boolean, inclusive: boolean, limit: number): FlowSummary[] {
    const dir = forward ? 'ASC' : 'DESC';
    const cmp = forward ? '>' : '<';
    const run = (where: string, params: unknown[], n: number) =>
      (
        this.db
          .prepare(`SELECT * FROM flows WHERE ${where} ORDER BY started_at ${dir}, id ${dir} LIMIT ?`)
          .safeIntegers(true)
          .all(...params, n) as Record<string, unknown>[]
      ).map((r) => flowRow(this.session.path, r));
    if (!anchor) return run('1', [], limit);
    // as in exchange-pages.ts: equal times by id, then the strict range, each one index range
    const same = run(`started_at = ? AND id ${cmp}${inclusive ? '=' : ''} ?`, [anchor.started_at, anchor.id], limit);
    if (same.length >= limit) return same;
    return [...same, ...run(`started_at ${cmp} ?`, [anchor.started_at], limit - same.length)];
  }
}
