// WebSocket messages in the session, without root: scripted records of an upgrade and its frames
// built into the derived tables, read back, searched, and held against hostile rows.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { LiveBuild } from '../../src/session/live.js';
import { Session } from '../../src/session/session.js';
import { WsMessageReader } from '../../src/session/ws-messages.js';
import { NODE, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir, textHits } from '../helpers/session-files.js';
import { SWITCHED, UPGRADE, deflated, frame } from '../helpers/ws-frames.js';

const dir = tempDir('tinytap-ws-session-');

async function chat(name: string, ext: string, frames: (['c2s' | 's2c', Buffer, number?])[]): Promise<string> {
  const path = join(dir, name);
  const s = new ScriptedSession(path);
  const c = s.tcp(NODE, PYTHON, { serverPort: 8765 });
  c.send('c2s', UPGRADE);
  // the server's first frame comes in the same write as its 101: read by the HTTP parser first
  const [first, ...rest] = frames;
  c.send('s2c', Buffer.concat([Buffer.from(SWITCHED(ext), 'latin1'), first[1]]), { readSize: 7 });
  for (const [d, bytes, readSize] of rest) c.send(d, bytes, { readSize });
  c.close();
  await s.finish();
  return path;
}

describe('WebSocket messages in the session', () => {
  it('lists every message under the upgrade, in order, with what only the frames say; search finds their text', async () => {
    const file = await chat('chat.tinytap', '', [
      ['s2c', frame(1, 'welcome, said the server')],
      ['c2s', frame(1, '{"subscribe":"prices"}', { masked: true }), 5],
      ['c2s', Buffer.concat([frame(1, 'one message ', { masked: true, fin: false }), frame(9, 'ping!', { masked: true }), frame(0, 'in two frames', { masked: true })]), 3],
      ['s2c', frame(10, 'ping!')],
      ['s2c', frame(2, Buffer.from([0, 255, 1, 254]))],
      ['c2s', frame(8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]), { masked: true })],
      ['s2c', frame(8, Buffer.from([0x03, 0xe8]))],
    ]);
    const session = Session.open(file);
    try {
      const [x] = session.exchanges();
      const ex = session.exchange(Number(x.id))!;
      expect(ex.websocket).toEqual({ extensions: null, messages: 8, sent: 4, received: 4 });
      const ms = session.wsMessages(ex.id);
      expect(ms.map((m) => [m.seq, m.dir, m.type, m.text ?? Buffer.from(m.payload).toString('hex'), m.frames])).toEqual([
        [0, 's2c', 'text', 'welcome, said the server', 1],
        [1, 'c2s', 'text', '{"subscribe":"prices"}', 1],
        // a control frame between the fragments of a message ends first (RFC 6455 §5.4)
        [2, 'c2s', 'ping', '70696e6721', 1],
        [3, 'c2s', 'text', 'one message in two frames', 2],
        [4, 's2c', 'pong', '70696e6721', 1],
        [5, 's2c', 'binary', '00ff01fe', 1],
        [6, 'c2s', 'close', '03e8627965', 1],
        [7, 's2c', 'close', '03e8', 1],
      ]);
      expect(ms.find((m) => m.type === 'close' && m.dir === 'c2s')?.close).toEqual({ code: 1000, reason: 'bye' });
      expect(ms.filter((m) => !m.complete || m.gap || m.compressed || m.flaws.length > 0)).toEqual([]);
      // times are the session's wall clock; messages are numbered in the order they ended
      expect(ms.every((m, i) => i === 0 || m.endedNs >= ms[i - 1].endedNs)).toBe(true);
      expect(ms[3].startedNs).toBeLessThan(ms[2].startedNs);
      expect(ms[0].startedNs).toBeGreaterThanOrEqual(ex.response!.startedNs);
      // a page of them
      expect(session.wsMessages(ex.id, 2, 2).map((m) => m.seq)).toEqual([2, 3]);
      // the text of the messages is the upgrade's searchable text, by the side that sent it
      session.ensureTextIndex();
      const fts = (col: 'req_body' | 'resp_body', text: string) => textHits(session.db, text, [col]);
      expect(fts('req_body', 'subscribe')).toEqual([ex.id]);
      expect(fts('resp_body', 'said the server')).toEqual([ex.id]);
      expect(fts('req_body', 'in two frames')).toEqual([ex.id]);
      expect(fts('resp_body', 'subscribe')).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('inflates permessage-deflate messages (no context takeover) and says what crossed the wire', async () => {
    const text = 'compressible text, '.repeat(50);
    const file = await chat('deflate.tinytap', 'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n', [
      ['s2c', frame(1, deflated(text), { rsv1: true })],
      ['c2s', frame(1, deflated('hello compressed'), { masked: true, rsv1: true })],
      ['c2s', frame(1, 'sent plain', { masked: true })],
    ]);
    const session = Session.open(file);
    try {
      const id = Number(session.exchanges()[0].id);
      expect(session.exchange(id)!.websocket?.extensions).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
      const ms = session.wsMessages(id);
      expect(ms.map((m) => [m.text, m.compressed, m.length])).toEqual([
        [text, true, text.length],
        ['hello compressed', true, 16],
        ['sent plain', false, 10],
      ]);
      expect(ms[0].wireLength).toBeLessThan(100);
    } finally {
      session.close();
    }
  });

  it('a live build writes the messages and makes them searchable once the connection ends', async () => {
    const file = await chat('live.tinytap', '', [
      ['s2c', frame(1, 'live server words')],
      ['c2s', frame(1, 'live client words', { masked: true })],
    ]);
    const db = new Database(file);
    try {
      const live = new LiveBuild(db);
      live.poll();
      live.finish();
      const id = db.prepare("SELECT id FROM temp.exchanges WHERE upgrade = 'websocket'").pluck().get() as number;
      expect(db.prepare('SELECT text FROM temp.ws_messages WHERE exchange_id = ? ORDER BY seq').pluck().all(id)).toEqual(['live server words', 'live client words']);
      expect(textHits(db, 'client words', ['req_body'])).toEqual([id]);
      expect(textHits(db, 'server words', ['resp_body'])).toEqual([id]);
    } finally {
      db.close();
    }
  });

  it("rows that cannot be right are skipped and counted, never trusted (a file is anyone's)", async () => {
    const file = await chat('hostile.tinytap', '', [['s2c', frame(1, 'fine')]]);
    Session.open(file).close(); // build
    const db = new Database(file);
    try {
      const id = db.prepare("SELECT id FROM exchanges WHERE upgrade = 'websocket'").pluck().get() as number;
      const insert = db.prepare(
        'INSERT INTO ws_messages (exchange_id, seq, dir, type, opcode, started, ended, frames, wire_length, length, flags, text, payload, flaws) VALUES (?, ?, ?, ?, 1, 1, 1, 1, 1, 1, 2, ?, ?, ?)',
      );
      insert.run(id, 10, 'sideways', 'text', 'x', null, null);
      insert.run(id, 11, 'c2s', 'rm -rf', 'x', null, null);
      insert.run(id, 12, 'c2s', 'text', Buffer.from('a blob where text goes'), null, null);
      insert.run(id, 13, 'c2s', 'text', 'kept', null, '{"not":"a list"}');
      insert.run(id, 14, 'c2s', 'binary', null, 'a string where bytes go', null);
      insert.run(id, 15, 'c2s', 'text', 'flawed', null, '[{"code":"x","offset":"NaN","message":1},{"code":"ok","offset":3,"message":"m"}]');
      const reader = new WsMessageReader(db);
      const ms = reader.messages(id);
      // a bad dir or type, a blob where text goes, a string where bytes go: the row is skipped;
      // a flaws value that is not a list of flaws reads as none, or as the flaws that are
      expect(ms.map((m) => [m.seq, m.text, m.flaws])).toEqual([
        [0, 'fine', []],
        [13, 'kept', []],
        [15, 'flawed', [{ code: 'ok', offset: 3, message: 'm' }]],
      ]);
      expect(reader.skipped).toBe(4);
    } finally {
      db.close();
    }
  });
});
