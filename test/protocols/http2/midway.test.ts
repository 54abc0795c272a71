/**
 * Joining mid-connection, checked against the whole capture: each cut case of the corpus is a
 * real capture without its first bytes (testdata/protocols/http2/midway-*.h2). Every field the
 * cut run knows must be what the full run decoded for that stream, in order; fields it cannot
 * know are marked; bodies are the same bytes (offsets shifted by the cut).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import type { Http2Message } from '../../../src/protocols/http2/index.js';
import { loadCase } from '../corpus/corpus-format.js';
import { runAtOnce } from './run-connection.js';

const dir = fileURLToPath(new URL('../../../testdata/protocols/http2/', import.meta.url));
const PAIRS = [
  { full: 'h2load-nginx.h2', cut: 'midway-h2load-nginx.h2', c2s: 95, s2c: 1000 },
  { full: 'node-many.h2', cut: 'midway-node-many.h2', c2s: 333, s2c: 517 },
];

describe('HTTP/2 joined mid-connection, against the whole capture', () => {
  for (const pair of PAIRS) {
    it(`${pair.cut}: no wrong field, unknown ones marked, bodies the same`, () => {
      const full = new Map(runAtOnce(loadCase(dir + pair.full).items).exchanges.map((e) => [e.streamId, e]));
      const cut = runAtOnce(loadCase(dir + pair.cut).items);
      expect(cut.facts.start).toBe('midway');
      let unknownSeen = 0;
      let knownRequests = 0;
      for (const ex of cut.exchanges) {
        const whole = full.get(ex.streamId)!;
        expect(whole, `stream ${ex.streamId}`).toBeDefined();
        expect(ex.errors).toEqual([]);
        for (const kind of ['request', 'response'] as const) {
          const part = ex[kind];
          if (!part) continue;
          unknownSeen += part.unknownFields.length;
          checkMessage(part, whole[kind]!, kind === 'request' ? pair.c2s : pair.s2c);
        }
        if (ex.request?.method !== undefined) knownRequests++;
        expect(ex.fieldsUnknown === true).toBe([ex.request, ex.response].some((m) => (m?.unknownFields.length ?? 0) > 0));
      }
      expect(unknownSeen).toBeGreaterThan(0);
      expect(knownRequests).toBeGreaterThan(0);
    });
  }
});

function checkMessage(part: Http2Message, whole: Http2Message, shift: number): void {
  // the known fields are the whole's, in order, with the unknown ones left out
  let k = 0;
  for (const field of part.headers) {
    while (k < whole.headers.length && whole.headers[k].join('\0') !== field.join('\0')) k++;
    expect(k, `field ${field.join(': ')}`).toBeLessThan(whole.headers.length);
    k++;
  }
  if (part.kind === 'request' && whole.kind === 'request') {
    for (const key of ['method', 'scheme', 'authority', 'path'] as const) if (part[key] !== undefined) expect(part[key]).toBe(whole[key]);
  }
  if (part.kind === 'response' && whole.kind === 'response' && part.status !== undefined) expect(part.status).toBe(whole.status);
  const shifted = whole.body.ranges.map(([s, e]) => [s - shift, e - shift]).filter(([, e]) => e > 0);
  expect(part.body.ranges).toEqual(shifted.slice(shifted.length - part.body.ranges.length));
  expect(part.complete).toBe(whole.complete);
}

