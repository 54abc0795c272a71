/**
 * Closing a session file while another process reads it: a follower (`open --follow`) or an
 * `ls` of a `record --dir` directory as the chain moves on to its next file. Closing must not
 * wait on the reader nor fail: a recorder whose rotation failed stopped recording.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { SessionWriter } from '../../src/record/session-writer.js';
import { Session } from '../../src/session/session.js';
import { tempDir } from '../helpers/session-files.js';

it('a reader holding the file open: close goes through, and the file reads whole', () => {
  const file = join(tempDir('tinytap-close-'), 'rec.tinytap');
  const writer = SessionWriter.create(file);
  writer.setMeta('started_at', '1');
  writer.commit();
  // a follower: its connection open, in the middle of a read
  const reader = new Database(file, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) FROM meta').get();
  writer.setMeta('stopped_at', '2');
  writer.close();
  reader.exec('COMMIT');
  reader.close();
  const s = Session.open(file);
  try {
    expect(s.db.prepare("SELECT value FROM meta WHERE key = 'stopped_at'").pluck().get()).toBe('"2"');
  } finally {
    s.close();
  }
});
