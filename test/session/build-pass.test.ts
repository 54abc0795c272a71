// The build's pass lets go of a flow once every connection of it is closed: what the flow still
// held (a request never answered) is handed out then, not at the end of the records. A long
// recording's thousands of closed flows, kept to the end, held their last bytes and parser state
// each: a 10,000,000-exchange file grew past 12 GiB and its build died.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { isDataRecord } from '../../src/events/decode-records.js';
import { planFlows } from '../../src/reconstruct/flow-plan.js';
import { loadConnInfo, sessionStart } from '../../src/session/build-exchanges.js';
import { BuildPass } from '../../src/session/build-pass.js';
import { type Prepared, isPreparedMessages } from '../../src/session/derived-writer.js';
import { EventReader } from '../../src/session/event-reader.js';
import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

describe('the build pass', () => {
  it('lets go of a flow when its last connection closes, and what it held comes out then', async () => {
    const file = join(tempDir('tinytap-build-pass-'), 'closed.tinytap');
    const s = new ScriptedSession(file);
    const first = s.tcp(CURL, NODE, { serverPort: 8080 });
    first.send('c2s', 'GET /answered HTTP/1.1\r\nHost: a\r\n\r\n');
    first.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    // never answered: only the end of the flow says it is done
    first.send('c2s', 'GET /unanswered HTTP/1.1\r\nHost: a\r\n\r\n');
    first.close();
    const second = s.tcp(CURL, NODE, { serverPort: 8080 });
    second.send('c2s', 'GET /later HTTP/1.1\r\nHost: a\r\n\r\n');
    second.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    await s.finish();

    const db = new Database(file, { readonly: true });
    const reader = new EventReader(db);
    const out: string[] = [];
    const pass = new BuildPass(planFlows(loadConnInfo(db)), sessionStart(db), () => null, (items: Prepared[]) => {
      for (const item of items) if (!isPreparedMessages(item)) out.push(new URL(item.text[0]).pathname);
    });
    const seen: { out: string[]; open: number }[] = [];
    for (const { n, rec } of reader.records()) {
      // when the second connection's first byte goes in, the first flow is done with
      if (isDataRecord(rec) && rec.data.includes('/later') && seen.length === 0) seen.push({ out: [...out], open: pass.openFlows });
      pass.record(rec, n);
    }
    const end = pass.finish();
    db.close();
    expect(seen).toEqual([{ out: ['/answered', '/unanswered'], open: 1 }]);
    expect(out).toEqual(['/answered', '/unanswered', '/later']);
    // the rows of both flows, in plan order, the closed one's kept from when it ended
    expect(end.flows.map((f) => [f.id, f.row.exchanges])).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });
});
