/** A WebSocket message as the parser gave it (protocols/websocket) → a ws_messages row. Pure. */
import type { WsMessage } from '../protocols/websocket/index.js';
import { WsMessageFlag, type WsMessageRow } from '../model/ws-message.js';

export function wsMessageRow(m: WsMessage, baseNs: bigint): WsMessageRow {
  const wall = (ts: number) => baseNs + BigInt(Math.round(ts));
  const flags = (m.compressed ? WsMessageFlag.COMPRESSED : 0) | (m.complete ? WsMessageFlag.COMPLETE : 0) | (m.gap ? WsMessageFlag.GAP : 0);
  // a text message's bytes are kept once: as text when they are UTF-8 (what search and the views
  // read), as bytes otherwise
  const asText = m.type === 'text' && m.text !== undefined;
  return {
    seq: m.index,
    dir: m.dir,
    type: m.type,
    opcode: m.opcode,
    started: wall(m.startTs),
    ended: wall(m.endTs),
    frames: m.frames,
    wireLength: m.wireLength,
    length: m.payloadLength ?? null,
    flags,
    cut: m.cut ?? null,
    closeCode: m.close?.code ?? null,
    closeReason: m.close?.reason ?? null,
    text: asText ? m.text! : null,
    payload: asText || m.payload.length === 0 ? null : m.payload,
    flaws: m.flaws.map((f) => ({ code: f.code, offset: f.offset, message: f.message })),
  };
}
