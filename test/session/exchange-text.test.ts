// The searchable text as exchange_text keeps it (session/exchange-text.ts): packed, compressed
// with a dictionary the build trains on the file's own text, read back the same, searched
// ASCII case-insensitively in its bytes; a row or dictionary that cannot be right is no text.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { TEXT_PLAIN, TEXT_ZSTD_DICT, TextWriter, loadTextDictionary, packText, textCodec, unpackText } from '../../src/session/exchange-text.js';
import { derivedSchemaSql } from '../../src/session/format.js';

function textDb(): Database.Database {
  const db = new Database(':memory:');
  db.exec(derivedSchemaSql('main'));
  return db;
}

const fieldsOf = (i: number): string[] => [
  `http://api.local:8080/api/items/${i}?page=${i % 7}`,
  `Host: api.local\nUser-Agent: curl/8.5.0\nAccept: */*\nX-Request-Id: req-${i.toString(16)}`,
  `Content-Type: application/json\nContent-Length: ${30 + (i % 10)}\nDate: Sat, 05 Dec 2026 08:${String(i % 60).padStart(2, '0')}:00 GMT`,
  '',
  `{"id":${i},"name":"item ${i}","tags":["a","b"],"price":${i % 100}}`,
];

describe('searchable text', () => {
  it('packs five fields and reads them back; anything else is not a packed value', () => {
    const fields = ['url', 'a: b\nc: d', '', 'body ünïcode ✓', 'x'.repeat(70_000)];
    expect(unpackText(packText(fields))).toEqual(fields);
    const packed = packText(fields);
    expect(unpackText(packed.subarray(0, packed.length - 1))).toBeNull();
    expect(unpackText(Buffer.concat([packed, Buffer.from('!')]))).toBeNull();
    expect(unpackText(Buffer.from([1, 2, 3]))).toBeNull();
    const lying = Buffer.from(packed);
    lying.writeUInt32LE(0xffffffff, 0);
    expect(unpackText(lying)).toBeNull();
  });

  it('is compressed with a dictionary trained on the first rows, and reads back the same', () => {
    const db = textDb();
    const writer = new TextWriter(db, true);
    const n = 6000;
    for (let i = 1; i <= n; i++) writer.write(i, fieldsOf(i));
    writer.flush();
    const codecs = db.prepare('SELECT codec, count(*) AS n FROM exchange_text GROUP BY codec').all();
    expect(codecs).toEqual([{ codec: TEXT_ZSTD_DICT, n }]);
    const stored = db.prepare('SELECT sum(length(data)) FROM exchange_text').pluck().get() as number;
    const plain = Array.from({ length: n }, (_, i) => packText(fieldsOf(i + 1)).length).reduce((a, b) => a + b, 0);
    // a few hundred bytes of URL and headers: alone a frame would save a quarter at most
    expect(stored).toBeLessThan(plain / 3);
    // another connection to the same file reads it with the stored dictionary
    const rows = db.prepare('SELECT id, codec, data FROM exchange_text WHERE id IN (1, 4097, 6000) ORDER BY id').all() as { id: number; codec: number; data: Buffer }[];
    const reader = new Database(':memory:');
    reader.exec(derivedSchemaSql('main'));
    reader.prepare('INSERT INTO text_dictionary (id, data) SELECT 1, ?').run(db.prepare('SELECT data FROM text_dictionary').pluck().get());
    loadTextDictionary(reader);
    for (const r of rows) expect(textCodec(reader).decode(r.codec, r.data)).toEqual(fieldsOf(r.id));
    db.close();
    reader.close();
  });

  it('keeps the text of a build too small to train on, or of a follower, as it is', () => {
    const db = textDb();
    const small = new TextWriter(db, true);
    for (let i = 1; i <= 10; i++) small.write(i, fieldsOf(i));
    small.flush();
    const follower = new TextWriter(db, false);
    follower.write(11, fieldsOf(11));
    expect(db.prepare('SELECT DISTINCT codec FROM exchange_text').pluck().all()).toEqual([TEXT_PLAIN]);
    expect(db.prepare('SELECT count(*) FROM text_dictionary').pluck().get()).toBe(0);
    expect(db.prepare('SELECT tinytap_text(codec, data, 0) FROM exchange_text WHERE id = 11').pluck().get()).toBe(fieldsOf(11)[0]);
    db.close();
  });

  it('is rewritten whole, before the dictionary is trained or after (a WebSocket\'s messages)', () => {
    const db = textDb();
    const writer = new TextWriter(db, true);
    for (let i = 1; i <= 100; i++) writer.write(i, fieldsOf(i));
    writer.rewrite(5, ['u', 'h', 'h', 'client said', 'server said']);
    writer.flush();
    writer.write(101, fieldsOf(101));
    writer.rewrite(101, ['u', '', '', 'later', '']);
    const read = (id: number) => db.prepare('SELECT tinytap_text(codec, data, 3) FROM exchange_text WHERE id = ?').pluck().get(id);
    expect(read(5)).toBe('client said');
    expect(read(101)).toBe('later');
    expect(read(6)).toBe(fieldsOf(6)[3]);
    db.close();
  });

  it('is searched in the fields asked for, ASCII case-insensitively, whatever bytes its lengths are', () => {
    const db = textDb();
    textCodec(db);
    // lengths of 65 to 90 are the bytes of 'A' to 'Z': lowering the text must leave them be
    const fields = ['U'.repeat(65), 'Host: Example.COM', 'é'.repeat(45), 'needle in the REQUEST body', 'Z'.repeat(90)];
    db.prepare('INSERT INTO exchange_text (id, codec, data) VALUES (1, 0, ?)').run(packText(fields));
    const has = (mask: number, needle: string) =>
      db.prepare('SELECT tinytap_text_has(codec, data, ?, ?) FROM exchange_text').pluck().get(mask, needle);
    expect(has(0b01000, 'request body')).toBe(1);
    expect(has(0b10000, 'request body')).toBe(0);
    expect(has(0b00010, 'example.com')).toBe(1);
    // not across the end of a field into the next
    expect(has(0b00001, 'uuh')).toBe(0);
    // only ASCII folds, as in SQLite's LIKE and lower()
    expect(has(0b00100, 'é')).toBe(1);
    expect(has(0b00100, 'É'.toLowerCase())).toBe(1);
    expect(has(0b11111, 'zzz')).toBe(1);
    db.close();
  });

  it('reads a row or dictionary that cannot be right as no text', () => {
    const db = textDb();
    const writer = new TextWriter(db, true);
    for (let i = 1; i <= 200; i++) writer.write(i, fieldsOf(i));
    writer.flush();
    const frame = db.prepare('SELECT data FROM exchange_text WHERE id = 1').pluck().get() as Buffer;
    const codec = textCodec(db);
    const damaged = Buffer.from(frame);
    damaged[damaged.length - 3] ^= 0xff;
    for (const [c, data] of [
      [TEXT_ZSTD_DICT, damaged],
      [TEXT_ZSTD_DICT, Buffer.from('not zstd')],
      [TEXT_ZSTD_DICT, 42],
      [7, frame],
      ['2', frame],
      [TEXT_PLAIN, frame],
    ] as [unknown, unknown][]) {
      const fields = codec.decode(c, data);
      // a flipped byte that zstd cannot see (no checksum) still unpacks only to the right shape
      if (fields) expect(fields).toHaveLength(5);
      expect(codec.contains(c, data, 0b11111, Buffer.from('zebra'))).toBe(false);
    }
    expect(codec.decode(TEXT_ZSTD_DICT, Buffer.from('not zstd'))).toBeNull();
    // a frame saying it holds more than a row may: not allocated
    const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x10, 0, 0, 0, 0]);
    expect(codec.decode(TEXT_ZSTD_DICT, huge)).toBeNull();
    // the file's dictionary replaced by one that is not: its rows are no text, not an error
    db.prepare('UPDATE text_dictionary SET data = ?').run(Buffer.from([1, 2, 3, 4, 5]));
    loadTextDictionary(db);
    expect(codec.decode(TEXT_ZSTD_DICT, frame)).toBeNull();
    db.prepare("UPDATE text_dictionary SET data = 'text'").run();
    loadTextDictionary(db);
    expect(codec.decode(TEXT_ZSTD_DICT, frame)).toBeNull();
    db.close();
  });
});
