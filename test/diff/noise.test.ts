// Noise told by its value (noise-values.ts): times within the recordings' window whatever the
// field is called, and random-looking ids that differ on every pair of an endpoint; and the
// report's count of what each rule left out.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { type DiffSource, IgnoreRules, diffSessions, timeWindow } from '../../src/diff/index.js';
import { bothRandom, isTimeValue, looksRandom } from '../../src/diff/noise-values.js';
import { Session } from '../../src/session/session.js';
import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-diff-noise-');
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const W = timeWindow(NOW - 60_000, NOW);

describe('values that are noise', () => {
  it('a time within the window, in any unit or common text form', () => {
    for (const v of [NOW / 1000, Math.floor(NOW / 1000), NOW, NOW * 1000, NOW * 1e6, '2026-12-03T11:59:30Z', '2026-12-03T12:00:00.123+01:00', '2026-12-03 11:00:00', 'Thu, 03 Dec 2026 12:00:00 GMT'])
      expect(isTimeValue(v, W), String(v)).toBe(true);
    // a date alone, a time a week off, a count, a price, a version, a year are data
    for (const v of ['2026-12-03', '2026-11-20T10:00:00Z', NOW - 8 * 86_400_000, 42, 19.99, '1.2.3', 2026, 'now', null, true])
      expect(isTimeValue(v, W), String(v)).toBe(false);
  });

  it('random-looking tokens: UUIDs, hex and base64 of 16 characters or more mixing letters and digits', () => {
    for (const v of ['3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a3b', '9f86d081884c7d659a2feaa0c55ad015', 'dGhpcyBpcyBhIHRva2Vu1', 'eyJhbGciOiJIUzI1NiJ9_x-1'])
      expect(looksRandom(v), v).toBe(true);
    for (const v of ['hello world', 'abcdefghijklmnopqrstuv', '1234567890123456789', 'short1', 'ORDER-2026-0042', 12345])
      expect(looksRandom(v), String(v)).toBe(false);
  });

  it('a random base64 token without a digit (1 in 28 of 16 characters) is still one; camelCase names are not', () => {
    // base64 of 12 random bytes, as a server's tag: no digit in it
    for (const v of ['+vzcNFzQa1l/QPab', 'QWxhZGRpbjpvcGVuIHNlc2FtZQ', 'kXYzNQpeBWoTHbsa']) expect(looksRandom(v), v).toBe(true);
    for (const v of ['getUserAccountSettings', 'internationalization', 'parseHttpRequestBody']) expect(looksRandom(v), v).toBe(false);
    // a pair is noise by the two together: one of a pair looking random, both token-shaped, same length
    expect(bothRandom('+vzcNFzQalpqQPab', 'kXYzNQpeBWoTHbs1')).toBe(true);
    expect(bothRandom('getUserAccountSe', 'setUserAccountSe')).toBe(false);
    expect(bothRandom('9f86d081884c7d65', '9f86d081884c7d6')).toBe(false);
  });
});

/** `n` GETs of /orders/{i} whose JSON answer is made by `body(i)`, answered at NOW + i s. */
async function recording(name: string, run: number, n: number, body: (i: number) => Record<string, unknown>): Promise<string> {
  const path = join(dir, name);
  const s = new ScriptedSession(path);
  const c = s.tcp(CURL, NODE, { serverPort: 8080 });
  for (let i = 0; i < n; i++) {
    c.send('c2s', `GET /orders/${i + 1} HTTP/1.1\r\nHost: shop\r\n\r\n`);
    const json = JSON.stringify(body(i));
    c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: ${new Date(NOW + run * 60_000 + i * 1000).toUTCString()}\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
  }
  c.close();
  await s.finish();
  return path;
}

const source = (s: Session): DiffSource => ({ summaries: () => s.iterateExchanges(), exchange: (id) => s.exchange(id) });

function diff(a: string, b: string, defaults = true) {
  const [sa, sb] = [Session.open(a), Session.open(b)];
  try {
    return diffSessions(source(sa), source(sb), { rules: new IgnoreRules({ defaults, timeWindow: W }), latencyThreshold: null });
  } finally {
    sa.close();
    sb.close();
  }
}

describe('a diff with noise in the bodies', () => {
  const uuid = (run: number, i: number) => `${String(run).repeat(8)}-${String(i).padStart(4, '0')}-4abc-8def-0123456789a${i}`;
  const order = (run: number, price: number) => (i: number) => ({
    id: i + 1,
    price: i === 2 ? price : 10,
    ts: NOW + run * 7 + i,
    created: new Date(NOW - run * 1000).toISOString(),
    trace: uuid(run, i),
    // differs in one pair only: data, not an id
    ref: i === 1 ? uuid(run, 9) : 'fixed-ref-000000001',
  });

  it('leaves out times and ids by value, reports the rest, and says what it left out', async () => {
    const a = await recording('a.tinytap', 1, 3, order(1, 30));
    const b = await recording('b.tinytap', 2, 3, order(2, 35));
    const r = diff(a, b);
    expect(r.differences.map((d) => ('path' in d ? `${d.kind} ${d.path}` : d.kind))).toEqual(['body-json $.ref', 'body-json $.price']);
    expect(r.endpoints[0].identical).toBe(1); // order 1: only times and its trace id differed
    expect(r.silenced).toEqual({ 'times by value': 6, 'random ids differing on every pair': 3, 'header date': 3 });
    expect(r.differs).toBe(true);
  });

  it('with the same values but times and ids: no difference', async () => {
    const r = diff(await recording('c.tinytap', 3, 3, order(3, 30)), await recording('d.tinytap', 4, 3, order(4, 30)));
    expect(r.differences.filter((d) => d.kind !== 'body-json' || d.path !== '$.ref')).toEqual([]);
  });

  it('--no-default-ignores compares them all, and silences nothing', async () => {
    const r = diff(await recording('e.tinytap', 5, 3, order(5, 30)), await recording('f.tinytap', 6, 3, order(6, 30)), false);
    expect(new Set(r.differences.map((d) => ('path' in d ? d.path : 'name' in d ? d.name : d.kind)))).toEqual(new Set(['Date', '$.ts', '$.created', '$.trace', '$.ref']));
    expect(r.silenced).toEqual({});
  });
});
