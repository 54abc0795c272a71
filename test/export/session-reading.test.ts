// The reading paths an export takes through src/session, made fast for it: whole exchanges in
// one query (Session.iterateWholeExchanges), a message's head and body in one pass, decompressed
// blocks kept and entered at a record number (EventReader). They must give exactly what reading
// everything from the start gives, across many blocks and with bytes missing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { batchOf } from '../../src/events/encode-records.js';
import { Direction } from '../../src/events/layout.js';
import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { EventReader, type SessionEvent } from '../../src/session/event-reader.js';
import { Session } from '../../src/session/session.js';
import { fakeBinding } from '../helpers/fake-binding.js';
import { CURL, NODE, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-export-reading-');

/**
 * Write a scripted session as many small blocks: the recorder seals a block at each commit, so
 * the batches are handed over with a commit between every two (ScriptedSession.finish writes
 * them all into one block).
 */
async function finishInBlocks(s: ScriptedSession, recordsPerBlock: number): Promise<void> {
  const records = (s as unknown as { records: Buffer[] }).records;
  const binding = fakeBinding();
  const cap = new Capture(defaultCaptureOptions(s.path, { commitMs: 1 }), binding);
  cap.start();
  for (let i = 0; i < records.length; i += recordsPerBlock) {
    binding.last!.onBatch(batchOf(records.slice(i, i + recordsPerBlock)));
    await new Promise((r) => setTimeout(r, 4));
  }
  await cap.stop('signal');
}

interface Sent {
  path: string;
  requestBody: string;
  responseBody: string;
}

let made: Promise<{ file: string; sent: Sent[] }> | null = null;

/** Three keep-alive connections taking turns, 60 exchanges, bodies of every framing. */
function interleavedSession(): Promise<{ file: string; sent: Sent[] }> {
  made ??= writeInterleavedSession();
  return made;
}

async function writeInterleavedSession(): Promise<{ file: string; sent: Sent[] }> {
  const s = new ScriptedSession(join(dir, 'interleaved.tinytap'));
  const conns = [s.tcp(CURL, NODE, { serverPort: 3000 }), s.tcp(PYTHON, NODE, { serverPort: 3000 }), s.tcp(CURL, NODE, { serverPort: 3001 })];
  const sent: Sent[] = [];
  for (let i = 0; i < 60; i++) {
    const c = conns[i % 3];
    const path = `/item/${i}`;
    const requestBody = i % 2 ? `{"n":${i},"pad":"${'p'.repeat(i * 7)}"}` : '';
    const responseBody = `body ${i} ${'r'.repeat(i * 11)}`;
    const reqHead = requestBody
      ? `POST ${path} HTTP/1.1\r\nHost: api.local\r\nContent-Type: application/json\r\nContent-Length: ${requestBody.length}\r\n\r\n`
      : `GET ${path} HTTP/1.1\r\nHost: api.local\r\n\r\n`;
    c.send('c2s', reqHead + requestBody, { readSize: 17 });
    s.wait(1);
    if (i % 4 === 3) {
      // chunked: the body's ranges are not contiguous with the head
      const half = Math.floor(responseBody.length / 2);
      const chunks = [responseBody.slice(0, half), responseBody.slice(half)].map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join('');
      c.send('s2c', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`, { readSize: 29 });
    } else {
      c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${responseBody.length}\r\n\r\n${responseBody}`, { readSize: 29 });
    }
    sent.push({ path, requestBody, responseBody });
  }
  for (const c of conns) c.close();
  // a client-only connection whose copy of a request body was cut short at capture
  const cut = s.tcp(CURL, NODE, { serverPort: 3002, only: 'client' });
  const cutHead = 'POST /cut HTTP/1.1\r\nHost: api.local\r\nContent-Length: 400\r\n\r\n';
  cut.send('c2s', `${cutHead}${'c'.repeat(400)}`, { senderCap: cutHead.length + 50 });
  cut.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
  cut.close();
  await finishInBlocks(s, 40);
  return { file: s.path, sent };
}

const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('reading a session for an export', () => {
  it('iterateWholeExchanges gives every exchange exactly as exchange(id) does, bodies and all', async () => {
    const { file, sent } = await interleavedSession();
    const session = Session.open(file);
    try {
      const blocks = session.db.prepare('SELECT count(*) FROM event_blocks').pluck().get() as number;
      // more blocks than EventReader keeps decompressed: evictions happen
      expect(blocks).toBeGreaterThan(8);
      const whole = [...session.iterateWholeExchanges()];
      const oneByOne = session.exchanges().map((x) => session.exchange(Number(x.id))!);
      expect(whole).toEqual(oneByOne);
      expect(whole).toHaveLength(61);
      // and the bytes are the ones sent
      expect(whole.slice(0, 60).map((ex) => [ex.request.path, text(ex.request.body.captured), text(ex.response!.body.captured)])).toEqual(
        sent.map((x) => [x.path, x.requestBody, x.responseBody]),
      );
      for (const ex of whole.slice(0, 60)) expect(ex.response!.body).toMatchObject({ complete: true, missing: null });
      // a filter and an order, as export passes them
      const posts = [...session.iterateWholeExchanges({ where: "x.method = 'POST'", orderBy: 'id' })];
      expect(posts.map((ex) => ex.request.path)).toEqual([...sent.filter((x) => x.requestBody).map((x) => x.path), '/cut']);
    } finally {
      session.close();
    }
  });

  it('a body cut short at capture reads as its captured part, and says why the rest is missing', async () => {
    const { file } = await interleavedSession();
    const session = Session.open(file);
    try {
      const [whole] = [...session.iterateWholeExchanges({ where: "x.path = '/cut'" })];
      const [row] = session.exchanges({ where: "x.path = '/cut'" });
      expect(whole).toEqual(session.exchange(Number(row.id)));
      expect(text(whole.request.body.captured)).toBe('c'.repeat(50));
      expect(whole.request.body).toMatchObject({ size: 400, complete: false, missing: 'truncated' });
      expect(whole.response!.status).toBe(204);
    } finally {
      session.close();
    }
  });

  it('EventReader read from a record number, one connection and direction, equals a filtered full read', async () => {
    const { file } = await interleavedSession();
    const session = Session.open(file);
    try {
      // everything an event says, in a form vitest compares quickly
      const view = (e: SessionEvent) => [e.id, e.connId, e.dir, e.streamOff, e.ret, e.flags, e.ts, e.payload.toString('latin1')];
      const all = [...new EventReader(session.db).events()];
      const conns = [...new Set(all.map((e) => e.connId))];
      // one reader for every query, in an order that jumps between blocks: its caches are used
      const reader = new EventReader(session.db);
      const starts = all.filter((_, i) => i % Math.ceil(all.length / 12) === 0).reverse();
      let compared = 0;
      for (const start of starts) {
        for (const connId of conns) {
          for (const dir of [Direction.EGRESS, Direction.INGRESS]) {
            const expected = all.filter((e) => e.connId === connId && e.dir === dir && e.id >= start.id);
            const got = [...reader.events({ connIds: [connId], fromRecord: start.id, dir })];
            expect(got.map(view)).toEqual(expected.map(view));
            compared += got.length;
          }
        }
        const both = [...reader.events({ connIds: conns.slice(0, 2), fromRecord: start.id })];
        expect(both.map(view)).toEqual(all.filter((e) => conns.slice(0, 2).includes(e.connId) && e.id >= start.id).map(view));
      }
      expect(compared).toBeGreaterThan(500);
    } finally {
      session.close();
    }
  });
});
