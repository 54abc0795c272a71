/**
 * The searchable text of each exchange as exchange_text keeps it (formats/exchanges.sql,
 * SPEC.md "Searchable text"): its five fields packed into one value, compressed with a zstd
 * dictionary trained on the file's own text. Searchable text was the largest part of a built
 * file (389 of 1,063 MB for a million exchanges); a few hundred bytes of URL and header lines
 * compress alone by a quarter, with the dictionary by four fifths. The trigram index keeps no
 * copy of it (a contentless FTS5 table), so it is stored once.
 *
 * Read in SQL with tinytap_text(codec, data, field), registered on each connection that reads a
 * session (open-session.ts) or builds one (derived-writer.ts). The function is called by
 * tinytap's own statements only: files are opened with trusted_schema off, and no view or
 * trigger in a file may call it.
 */
import type Database from 'better-sqlite3';

import { TEXT_CONTAINS_FUNCTION, TEXT_FIELDS, TEXT_FUNCTION } from '../model/text-sql.js';
import { type ZstdDictionary, trainZstdDictionary, zstdDictionary } from './zstd.js';

/** url, req_headers, resp_headers, req_body, resp_body (TEXT_FIELDS). */
export type TextFields = [string, string, string, string, string];

/** exchange_text.codec: the packed fields as they are. */
export const TEXT_PLAIN = 0;
/** exchange_text.codec: a zstd frame of the packed fields, made with the file's text_dictionary. */
export const TEXT_ZSTD_DICT = 2;

/**
 * The most a row's packed text may hold: two bodies of at most 1 MiB of text each (3 bytes a
 * character at most in UTF-8) and a WebSocket's messages, 1 MiB each way; a larger size is a
 * damaged or hostile row, never allocated.
 */
export const MAX_PACKED_TEXT = 16 << 20;
/** The most a text_dictionary may hold (tinytap trains 32 KiB ones). */
export const MAX_TEXT_DICTIONARY = 1 << 20;

const DICTIONARY_BYTES = 32 << 10;
/** Rows (or bytes of their text) a dictionary is trained on: the first of the build. */
const TRAIN_ROWS = 4096;
const TRAIN_BYTES = 2 << 20;
/** Fewer rows than this keep their text as it is: too few to train on, and small anyway. */
const MIN_TRAIN_ROWS = 64;
const LEVEL = 3;

const HEADER = 4 * TEXT_FIELDS.length;

/** The fields as each one's UTF-8 byte length (u32 LE), then their bytes. */
export function packText(fields: readonly string[]): Buffer {
  const bytes = fields.map((f) => Buffer.from(f, 'utf8'));
  const out = Buffer.allocUnsafe(HEADER + bytes.reduce((n, b) => n + b.length, 0));
  let at = HEADER;
  bytes.forEach((b, i) => {
    out.writeUInt32LE(b.length, 4 * i);
    b.copy(out, at);
    at += b.length;
  });
  return out;
}

/** Where each field's bytes are in a packed value ([start, end) each), or null if it is not one (a damaged or hostile row). */
function fieldSpans(b: Buffer): [number, number][] | null {
  if (b.length < HEADER) return null;
  const spans: [number, number][] = [];
  let at = HEADER;
  for (let i = 0; i < TEXT_FIELDS.length; i++) {
    const n = b.readUInt32LE(4 * i);
    if (n > b.length - at) return null;
    spans.push([at, at + n]);
    at += n;
  }
  return at === b.length ? spans : null;
}

/** The fields of a packed value, or null if it is not one (a damaged or hostile row). */
export function unpackText(packed: Uint8Array): TextFields | null {
  const b = Buffer.from(packed.buffer, packed.byteOffset, packed.length);
  return (fieldSpans(b)?.map(([from, to]) => b.toString('utf8', from, to)) as TextFields | undefined) ?? null;
}

/** What reads and makes a connection's text rows: the dictionary of its file, once known. */
class TextCodec {
  /** The file's dictionary as stored, digested on first use (the native addon is loaded then). */
  private bytes: Uint8Array | null = null;
  private digested: ZstdDictionary | null = null;
  private lastData: Buffer | null = null;
  private lastFields: TextFields | null = null;

  setDictionary(bytes: Uint8Array | null): void {
    this.bytes = bytes;
    this.digested = null;
    this.lastData = null;
  }

  private get dictionary(): ZstdDictionary | null {
    if (!this.bytes) return null;
    this.digested ??= zstdDictionary(this.bytes, LEVEL);
    return this.digested;
  }

  /** Compressed when the connection has the file's dictionary and `compress`. */
  encode(packed: Buffer, compress: boolean): { codec: number; data: Buffer } {
    return compress && this.dictionary ? { codec: TEXT_ZSTD_DICT, data: this.dictionary.compress(packed) } : { codec: TEXT_PLAIN, data: packed };
  }

  /** A row's packed fields; null when it cannot be read (a codec or dictionary it does not have, a damaged frame). */
  private packed(codec: unknown, data: unknown): Buffer | null {
    if (!(data instanceof Uint8Array)) return null;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
    if (codec === TEXT_PLAIN) return bytes;
    if (codec !== TEXT_ZSTD_DICT || !this.bytes) return null;
    try {
      return this.dictionary!.decompress(bytes, MAX_PACKED_TEXT);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EZSTD') throw err;
      return null;
    }
  }

  /** A row's fields; null when it cannot be read (a damaged row, a codec or dictionary it does not have). */
  decode(codec: unknown, data: unknown): TextFields | null {
    const packed = this.packed(codec, data);
    return packed ? unpackText(packed) : null;
  }

  /** A row's fields, kept for the next call with the same row: a regex reads one field after another. */
  field(codec: unknown, data: unknown, k: number): string | null {
    if (!(data instanceof Uint8Array)) return null;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
    if (!this.lastData?.equals(bytes)) {
      this.lastFields = this.decode(codec, data);
      this.lastData = Buffer.from(bytes);
    }
    return this.lastFields?.[k] ?? null;
  }

  /**
   * Does one of the fields in `mask` (bit k: TEXT_FIELDS[k]) hold `needle`, ASCII
   * case-insensitively (as LIKE and lower() compare)? Searched in the packed bytes, lowered in
   * place: in UTF-8 a byte below 0x80 is always the ASCII character it looks like.
   */
  contains(codec: unknown, data: unknown, mask: number, needle: Buffer): boolean {
    const packed = this.packed(codec, data);
    const spans = packed && fieldSpans(packed);
    if (!packed || !spans) return false;
    const lowered = codec === TEXT_PLAIN ? Buffer.from(packed) : packed;
    // the text, not the lengths before it
    for (let i = HEADER; i < lowered.length; i++) {
      const c = lowered[i];
      if (c >= 0x41 && c <= 0x5a) lowered[i] = c | 0x20;
    }
    return spans.some(([from, to], k) => {
      if (!(mask & (1 << k))) return false;
      const hit = lowered.indexOf(needle, from);
      return hit >= 0 && hit + needle.length <= to;
    });
  }
}

const codecs = new WeakMap<Database.Database, TextCodec>();

/**
 * The connection's text codec, tinytap_text registered on it the first time. Its dictionary is
 * the file's (main's) text_dictionary; the temp schema's rows (a follower's) are plain.
 */
export function textCodec(db: Database.Database): TextCodec {
  let codec = codecs.get(db);
  if (codec) return codec;
  const made = new TextCodec();
  db.function(TEXT_FUNCTION, { deterministic: true, directOnly: true }, (c: unknown, data: unknown, k: unknown) =>
    typeof k === 'number' ? made.field(c, data, k) : null,
  );
  let needle = { text: '', bytes: Buffer.alloc(0) };
  db.function(TEXT_CONTAINS_FUNCTION, { deterministic: true, directOnly: true }, (c: unknown, data: unknown, mask: unknown, text: unknown) => {
    if (typeof mask !== 'number' || typeof text !== 'string') return 0;
    if (needle.text !== text) needle = { text, bytes: Buffer.from(text, 'utf8') };
    return made.contains(c, data, mask, needle.bytes) ? 1 : 0;
  });
  codecs.set(db, made);
  codec = made;
  return codec;
}

/**
 * Read the file's text dictionary into the connection's codec. A dictionary that cannot be right
 * (too large, not a blob) is left out: the rows made with it then have no text, until a rebuild.
 */
export function loadTextDictionary(db: Database.Database): void {
  let data: unknown = null;
  try {
    data = db.prepare('SELECT data FROM main.text_dictionary WHERE id = 1').pluck().get();
  } catch {
    // none, or not shaped as tinytap makes it (a stale or foreign build, rebuilt before it is read)
  }
  textCodec(db).setDictionary(data instanceof Uint8Array && data.length <= MAX_TEXT_DICTIONARY ? data : null);
}

/**
 * Writes the text rows of a build. With `train` (a build into the file), the first rows wait
 * until there are enough of them to train the file's dictionary on, which is written to
 * text_dictionary; then they and every later row are compressed with it. Without (the temp
 * tables of a follower, or of a file this process may not write), rows are kept as they are:
 * they never outlive the connection, and no dictionary of the file's can change under them.
 */
export class TextWriter {
  private readonly codec: TextCodec;
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;
  private pending: { id: number; packed: Buffer }[] | null;
  private pendingBytes = 0;
  private readonly compress: boolean;

  constructor(
    private readonly db: Database.Database,
    train: boolean,
  ) {
    this.codec = textCodec(db);
    this.insert = db.prepare('INSERT INTO exchange_text (id, codec, data) VALUES (?, ?, ?)');
    this.update = db.prepare('UPDATE exchange_text SET codec = ?, data = ? WHERE id = ?');
    this.pending = train ? [] : null;
    this.compress = train;
    if (train) this.codec.setDictionary(null);
  }

  write(id: number, fields: readonly string[]): void {
    const packed = packText(fields);
    if (!this.pending) return this.put(id, packed);
    this.pending.push({ id, packed });
    this.pendingBytes += packed.length;
    if (this.pending.length >= TRAIN_ROWS || this.pendingBytes >= TRAIN_BYTES) this.flush();
  }

  /** Replace the fields of a row written before (a WebSocket's messages, once they are all there). */
  rewrite(id: number, fields: readonly string[]): void {
    const packed = packText(fields);
    const waiting = this.pending?.find((p) => p.id === id);
    if (waiting) {
      this.pendingBytes += packed.length - waiting.packed.length;
      waiting.packed = packed;
      return;
    }
    const { codec, data } = this.codec.encode(packed, this.compress);
    this.update.run(codec, data, id);
  }

  /** The rows still waiting are written: with a dictionary trained on them if they are enough. */
  flush(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    const dictionary = pending.length >= MIN_TRAIN_ROWS ? trainZstdDictionary(pending.map((p) => p.packed), DICTIONARY_BYTES) : null;
    if (dictionary) {
      this.db.prepare('INSERT OR REPLACE INTO text_dictionary (id, data) VALUES (1, ?)').run(dictionary);
      this.codec.setDictionary(dictionary);
    }
    for (const p of pending) this.put(p.id, p.packed);
  }

  private put(id: number, packed: Buffer): void {
    const { codec, data } = this.codec.encode(packed, this.compress);
    this.insert.run(id, codec, data);
  }
}
