// WebSocket conversations compared by message shape (ScriptedSession: real session files, no
// root): the same messages in another interleaving are no difference; a changed value, a message
// more or less of a shape, and a changed text are; noise fields are ignored as in bodies.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { type DiffSource, IgnoreRules, diffSessions } from '../../src/diff/index.js';
import { Session } from '../../src/session/session.js';
import { NODE, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';
import { SWITCHED, UPGRADE, frame } from '../helpers/ws-frames.js';

const dir = tempDir('tinytap-diff-ws-');

/** One WebSocket connection carrying `messages` in order: [who sends it, text]. */
async function conversation(name: string, messages: ['c2s' | 's2c', string][]): Promise<string> {
  const path = join(dir, name);
  const s = new ScriptedSession(path);
  const c = s.tcp(NODE, PYTHON, { serverPort: 8765 });
  c.send('c2s', UPGRADE);
  c.send('s2c', SWITCHED());
  for (const [who, text] of messages) c.send(who, frame(1, text, { masked: who === 'c2s' }));
  c.close();
  await s.finish();
  return path;
}

function source(session: Session): DiffSource {
  return { summaries: () => session.iterateExchanges(), exchange: (id) => session.exchange(id), messages: (id) => session.wsMessages(id) };
}

function diff(fileA: string, fileB: string) {
  const [a, b] = [Session.open(fileA), Session.open(fileB)];
  try {
    return diffSessions(source(a), source(b), { rules: new IgnoreRules(), latencyThreshold: null });
  } finally {
    a.close();
    b.close();
  }
}

describe('diffing WebSocket conversations', () => {
  const now = Date.now();
  const a = [
    ['c2s', '{"op":"subscribe","topic":"prices"}'],
    ['s2c', `{"price":10,"symbol":"ABC","timestamp":${now}}`],
    ['s2c', '{"status":"ok"}'],
    ['s2c', `{"price":11,"symbol":"ABC","timestamp":${now + 5}}`],
    ['c2s', 'plain hello'],
  ] as ['c2s' | 's2c', string][];

  it('finds nothing between the same messages interleaved otherwise, whatever their timestamps say (a noise field, as in bodies)', async () => {
    const reordered: ['c2s' | 's2c', string][] = [a[0], a[2], a[4], [a[1][0], a[1][1].replace(String(now), String(now + 999))], a[3]];
    const r = diff(await conversation('a1.tinytap', a), await conversation('b1.tinytap', reordered));
    expect(r.differences).toEqual([]);
    expect(r.differs).toBe(false);
  });

  it('reports a changed value by shape and path, a message more of a shape, and a changed text', async () => {
    const b: ['c2s' | 's2c', string][] = [
      a[0],
      ['s2c', `{"price":10,"symbol":"ABC","timestamp":${now}}`],
      ['s2c', '{"status":"ok"}'],
      ['s2c', `{"price":12,"symbol":"ABC","timestamp":${now + 5}}`],
      ['s2c', `{"price":13,"symbol":"ABC","timestamp":${now + 9}}`],
      ['c2s', 'plain goodbye'],
    ];
    const r = diff(await conversation('a2.tinytap', a), await conversation('b2.tinytap', b));
    expect(r.differs).toBe(true);
    expect(r.differences.map(({ endpoint, kind, ...d }) => ({ kind, ...('shape' in d ? { shape: d.shape } : {}), ...('path' in d ? { path: d.path, a: d.a, b: d.b } : {}), ...('count' in d ? { count: d.count } : {}), ...('change' in d ? { change: d.change } : {}), endpoint }))).toEqual([
      { kind: 'ws-messages', shape: 'received json {price,symbol,timestamp}', count: 1, change: 'added', endpoint: 'GET /chat' },
      { kind: 'ws-json', shape: 'received json {price,symbol,timestamp}', path: '$.price', a: 11, b: 12, change: 'changed', endpoint: 'GET /chat' },
      { kind: 'ws-content', shape: 'sent text', endpoint: 'GET /chat' },
    ]);
    const content = r.differences.find((d) => d.kind === 'ws-content');
    expect(content).toMatchObject({ a: 'plain hello', b: 'plain goodbye' });
  });
});
