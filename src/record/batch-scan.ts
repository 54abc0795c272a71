/**
 * One pass over a batch of records as the addon delivers it: what the session file needs to
 * know beyond the records themselves (counts, per-connection bytes, time range), and the rare
 * records (connections, closes, processes) decoded in full. DATA records, nearly all of them,
 * are only peeked at: they are stored as they are.
 */
import { type CaptureRecord, decodeRecord, isKnownVersion, RecordFormatError } from '../events/decode-records.js';
import { BATCH_RECORD_PREFIX, DataFlag, DataLayout, DataXFlag, Direction, HeaderLayout, Kind, TlsJoinLayout } from '../events/layout.js';

export interface ConnTally {
  sent: number;
  received: number;
  events: number;
  lastTs: bigint;
}

export interface BatchScan {
  records: number;
  /** Syscall events: DATA records that start a syscall's payload (chunk_off 0). */
  events: number;
  /** Bytes moved by those syscalls (their positive return values). */
  bytes: number;
  capturedBytes: number;
  /** Records of a kind or version this tinytap does not know: stored, not interpreted. */
  unknown: number;
  firstTs: bigint;
  lastTs: bigint;
  conns: Map<number, ConnTally>;
  /** CONN, CLOSE and PROC records, decoded, in order. */
  others: CaptureRecord[];
  /** Tokens of TLS plaintext written before its socket was known (conn_id 0), in order. */
  tlsTokens: number[];
  /** TLS_JOIN records: which connection each token's plaintext belongs to. */
  tlsJoins: { connId: number; token: number }[];
}

export function emptyScan(): BatchScan {
  return { records: 0, events: 0, bytes: 0, capturedBytes: 0, unknown: 0, firstTs: 0n, lastTs: 0n, conns: new Map(), others: [], tlsTokens: [], tlsJoins: [] };
}

function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at + 4) * 0x1_0000_0000 + buf.readUInt32LE(at);
}

/** Every connection with a record in the scan has a tally (conn_blocks lists them). */
function tally(scan: BatchScan, connId: number, ts: bigint): ConnTally {
  let t = scan.conns.get(connId);
  if (!t) scan.conns.set(connId, (t = { sent: 0, received: 0, events: 0, lastTs: ts }));
  return t;
}

/** Adds what `batch` holds to `scan` (so several batches can share one). */
export function scanBatch(batch: Buffer, scan: BatchScan = emptyScan()): BatchScan {
  let at = 0;
  while (at + BATCH_RECORD_PREFIX <= batch.length) {
    const len = batch.readUInt32LE(at);
    const rec = at + BATCH_RECORD_PREFIX;
    if (rec + len > batch.length || len < HeaderLayout.size) throw new RecordFormatError('batch ends inside a record');
    const ts = batch.readBigUInt64LE(rec + HeaderLayout.tsNs);
    if (scan.records === 0) scan.firstTs = ts;
    scan.lastTs = ts;
    scan.records++;
    if (!isKnownVersion(batch[rec + HeaderLayout.version])) {
      scan.unknown++;
    } else if (batch[rec + HeaderLayout.kind] === Kind.TLS_DATA) {
      // TLS plaintext: an event, and bytes captured; the bytes moved are the socket's, counted there
      if (len < DataLayout.size) throw new RecordFormatError('data record too short');
      scan.capturedBytes += batch.readUInt32LE(rec + DataLayout.chunkLen);
      if (batch.readUInt32LE(rec + DataLayout.chunkOff) === 0) scan.events++;
      const connId = u64(batch, rec + DataLayout.connId);
      if (connId) tally(scan, connId, ts);
      else if (batch.readUInt32LE(rec + DataLayout.chunkOff) === 0 && batch[rec + DataLayout.dir] === Direction.EGRESS)
        scan.tlsTokens.push(u64(batch, rec + DataLayout.streamOff));
    } else if (batch[rec + HeaderLayout.kind] === Kind.TLS_JOIN) {
      if (len < TlsJoinLayout.size) throw new RecordFormatError('TLS join record too short');
      const connId = u64(batch, rec + TlsJoinLayout.connId);
      tally(scan, connId, ts);
      scan.tlsJoins.push({ connId, token: u64(batch, rec + TlsJoinLayout.token) });
    } else if (batch[rec + HeaderLayout.kind] === Kind.DATA) {
      if (len < DataLayout.size) throw new RecordFormatError('data record too short');
      scan.capturedBytes += batch.readUInt32LE(rec + DataLayout.chunkLen);
      const t = tally(scan, u64(batch, rec + DataLayout.connId), ts);
      // a zero-copy body read on the TCP send path is not a syscall of its own: its sendfile or
      // splice event counts the bytes
      const bodySource = (batch[rec + DataLayout.flags] & DataFlag.BODY_SOURCE) !== 0;
      if (!bodySource && batch.readUInt32LE(rec + DataLayout.chunkOff) === 0) {
        const ret = batch.readInt32LE(rec + DataLayout.ret + 4) * 0x1_0000_0000 + batch.readUInt32LE(rec + DataLayout.ret);
        // a peek looked at bytes that a later read moves: they count once, then
        const peek = (batch.readUInt16LE(rec + DataLayout.xflags) & DataXFlag.PEEK) !== 0;
        t.events++;
        t.lastTs = ts;
        scan.events++;
        if (ret > 0 && !peek) {
          scan.bytes += ret;
          if (batch[rec + DataLayout.dir] === Direction.EGRESS) t.sent += ret;
          else t.received += ret;
        }
      }
    } else {
      const r = decodeRecord(batch, rec, len);
      if (!r) scan.unknown++;
      else {
        if (r.kind === Kind.CONN || r.kind === Kind.CLOSE) tally(scan, r.connId, ts);
        scan.others.push(r);
      }
    }
    at = rec + ((len + 7) & ~7);
  }
  return scan;
}
