/** Small session files made for tests, through the real writer with a fake addon. */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { batchOf, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import { EventReader } from '../../src/session/event-reader.js';
import { loadTextDictionary } from '../../src/session/exchange-text.js';
import { TEXT_FIELDS, type TextFieldName, textIdsSql } from '../../src/model/text-sql.js';
import { fakeBinding } from './fake-binding.js';

export function tempDir(prefix = 'tinytap-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A finished session with one connection and a request/response on it. */
export async function makeSmallSession(path: string): Promise<void> {
  const binding = fakeBinding();
  const cap = new Capture(defaultCaptureOptions(path, { commitMs: 1_000_000 }), binding);
  cap.start();
  binding.last!.onBatch(
    batchOf([
      encodeProc({ pid: 7, comm: 'curl', argv: ['curl', 'http://127.0.0.1:8080/'] }),
      encodeConn({ pid: 7, comm: 'curl', connId: 1 }),
      encodeData({ pid: 7, comm: 'curl', connId: 1, ret: 18, data: 'GET / HTTP/1.1\r\n\r\n' }),
    ]),
  );
  await cap.stop('signal');
}

/** A session's meta table, values parsed. */
export function sessionMeta(file: string): Record<string, unknown> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, JSON.parse(r.value)]));
  } finally {
    db.close();
  }
}

/** The payload of every event a session holds, in order; the file must pass quick_check. */
export function sessionPayloads(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    if (db.pragma('quick_check', { simple: true }) !== 'ok') throw new Error(`${file} fails quick_check`);
    return [...new EventReader(db).events()].map((e) => e.payload.toString());
  } finally {
    db.close();
  }
}

/**
 * Ids of the exchanges whose text `fields` hold `text`, as search finds them (model/text-sql.ts):
 * through the trigram index, then each checked. On any connection: it is given tinytap_text and
 * the file's text dictionary first.
 */
export function textHits(db: Database.Database, text: string, fields: readonly TextFieldName[] = TEXT_FIELDS): number[] {
  loadTextDictionary(db);
  const m = textIdsSql(text, fields);
  return db.prepare(m.sql).pluck().all(...m.params) as number[];
}
