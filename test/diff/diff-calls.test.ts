// Database calls in two recordings (ScriptedSession: real session files, no root): matched by
// the shape of their query or command, whatever the values in them, and reported as new, gone,
// more or fewer, and slower; never compared field by field (they are not HTTP).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { type DiffSource, IgnoreRules, diffSessions } from '../../src/diff/index.js';
import { Session } from '../../src/session/session.js';
import { NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-diff-calls-');
const REDIS = { pid: 6001, comm: 'redis-server', argv: ['redis-server'] };

/** RESP for a command's arguments. */
const resp = (args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** One connection to Redis carrying the commands in order, each answered after `waitMs`. */
async function recording(name: string, commands: { args: string[]; reply?: string; waitMs?: number }[]): Promise<string> {
  const path = join(dir, name);
  const s = new ScriptedSession(path);
  const c = s.tcp(NODE, REDIS, { serverPort: 6379 });
  for (const cmd of commands) {
    c.send('c2s', resp(cmd.args));
    s.wait(cmd.waitMs ?? 1);
    c.send('s2c', cmd.reply ?? '+OK\r\n');
    s.wait(1);
  }
  c.close();
  await s.finish();
  return path;
}

function source(session: Session): DiffSource {
  return { summaries: () => session.iterateExchanges(), exchange: (id) => session.exchange(id) };
}

describe('diffing database calls', () => {
  it('matches by command and key pattern, and reports new, gone, more and slower ones', async () => {
    const a = await recording('a.tinytap', [
      { args: ['GET', 'user:1'], reply: '$3\r\nada\r\n' },
      { args: ['GET', 'user:2'], reply: '$4\r\nalan\r\n' },
      { args: ['HGETALL', 'session:9f86d081884c7d65'], reply: '*0\r\n', waitMs: 2 },
      { args: ['DEL', 'tmp'] },
    ]);
    const b = await recording('b.tinytap', [
      { args: ['GET', 'user:7'], reply: '$3\r\nada\r\n' },
      { args: ['GET', 'user:8'], reply: '$4\r\nalan\r\n' },
      { args: ['GET', 'user:9'], reply: '$4\r\nalan\r\n' },
      { args: ['HGETALL', 'session:2c26b46b68ffc68f'], reply: '*0\r\n', waitMs: 300 },
      { args: ['SET', 'cache', 'x'] },
    ]);
    const sa = Session.open(a);
    const sb = Session.open(b);
    try {
      const r = diffSessions(source(sa), source(sb), { rules: new IgnoreRules(), latencyThreshold: { ratio: 2, minChangeMs: 10, text: '2x' } });
      expect(r.endpoints.map((e) => [e.endpoint, e.a, e.b])).toEqual([
        ['redis: GET user:*', 2, 3],
        ['redis: HGETALL session:*', 1, 1],
        ['redis: DEL tmp', 1, 0],
        ['redis: SET cache', 0, 1],
      ]);
      // nothing loaded as HTTP, so nothing unreadable
      expect(r.unreadable).toBe(0);
      expect(r.differences.map((d) => [d.endpoint, d.kind])).toEqual([
        ['redis: GET user:*', 'count'],
        ['redis: HGETALL session:*', 'latency'],
        ['redis: DEL tmp', 'only-in-a'],
        ['redis: SET cache', 'only-in-b'],
      ]);
    } finally {
      sa.close();
      sb.close();
    }
  });
});
