/**
 * Reading the WebSocket messages of an upgrade exchange (formats/exchanges.sql, ws_messages).
 * The file may be anyone's: a row whose values cannot be right is skipped and counted, never
 * trusted (damage.ts).
 */
import type Database from 'better-sqlite3';

import { WS_MESSAGE_KINDS, WsMessageFlag, type WebSocketFacts, type WebSocketMessage, type WsFlawText, type WsMessageKind } from '../model/ws-message.js';
import { RowCheck, exactNumber, parsedJson } from './damage.js';

const check = RowCheck.declared('ws_messages');

/** A flaws column: a JSON list of {code, offset, message}; anything else reads as none. */
function flawsOf(v: unknown): WsFlawText[] {
  if (v === null) return [];
  const list = parsedJson(v);
  if (!Array.isArray(list)) return [];
  return list
    .filter((f): f is WsFlawText => !!f && typeof f === 'object' && typeof f.code === 'string' && typeof f.message === 'string' && Number.isSafeInteger(f.offset))
    .map((f) => ({ code: f.code, offset: f.offset, message: f.message }));
}

function messageOf(r: Record<string, unknown>): WebSocketMessage | null {
  if (check.problem(r)) return null;
  const [seq, opcode, frames, wireLength, flags] = [r.seq, r.opcode, r.frames, r.wire_length, r.flags].map(exactNumber);
  const length = r.length === null ? null : exactNumber(r.length);
  if ([seq, opcode, frames, wireLength, flags].includes(null) || (r.length !== null && length === null)) return null;
  if ((r.dir !== 'c2s' && r.dir !== 's2c') || !WS_MESSAGE_KINDS.includes(r.type as WsMessageKind)) return null;
  const text = typeof r.text === 'string' ? r.text : null;
  const payload = r.payload instanceof Uint8Array ? r.payload : text !== null ? Buffer.from(text, 'utf8') : new Uint8Array(0);
  const closeCode = r.close_code === null ? null : exactNumber(r.close_code);
  return {
    seq: seq!,
    dir: r.dir,
    type: r.type as WsMessageKind,
    opcode: opcode!,
    startedNs: r.started as bigint,
    endedNs: r.ended as bigint,
    frames: frames!,
    wireLength: wireLength!,
    length,
    compressed: (flags! & WsMessageFlag.COMPRESSED) !== 0,
    complete: (flags! & WsMessageFlag.COMPLETE) !== 0,
    gap: (flags! & WsMessageFlag.GAP) !== 0,
    cut: typeof r.cut === 'string' ? r.cut : null,
    close: r.type === 'close' ? { code: closeCode, reason: typeof r.close_reason === 'string' ? r.close_reason : null } : null,
    text,
    payload,
    flaws: flawsOf(r.flaws),
  };
}

export class WsMessageReader {
  private readonly counts: Database.Statement;
  private readonly page: Database.Statement;
  /** Rows skipped because they could not be read. */
  skipped = 0;

  constructor(db: Database.Database) {
    this.counts = db.prepare(
      "SELECT count(*) AS messages, coalesce(sum(dir = 'c2s'), 0) AS sent, coalesce(sum(dir = 's2c'), 0) AS received FROM ws_messages WHERE exchange_id = ?",
    );
    this.page = db.prepare('SELECT * FROM ws_messages WHERE exchange_id = ? ORDER BY seq LIMIT ? OFFSET ?').safeIntegers(true);
  }

  /** What an upgrade exchange's connection holds; `extensions` from its 101 response. */
  facts(exchangeId: number, extensions: string | null): WebSocketFacts {
    const c = this.counts.get(exchangeId) as { messages: number; sent: number; received: number };
    return { extensions, messages: c.messages, sent: c.sent, received: c.received };
  }

  /** Messages in connection order, from the `offset`-th, at most `limit`. */
  messages(exchangeId: number, offset = 0, limit = -1): WebSocketMessage[] {
    const out: WebSocketMessage[] = [];
    for (const r of this.page.all(exchangeId, limit, offset) as Record<string, unknown>[]) {
      const m = messageOf(r);
      if (m) out.push(m);
      else this.skipped++;
    }
    return out;
  }
}
