/**
 * A gRPC call's summary in an exchange's detail (reconstruct/grpc-call-row.ts StoredGrpc) comes
 * from the file like everything else: checkedDetail (session/damage.ts) takes only the values the
 * loader can use, and says what is wrong with the rest.
 */
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';

import { GRPC_LIMITS } from '../../src/protocols/grpc/index.js';
import { checkedDetail } from '../../src/session/damage.js';

const message = [0, 10, 40, 4, 20, 1, [[19, 39]], [], []];
const h2 = {
  stream: 1,
  request: { method: 'POST', target: '/a.B/C', version: 'HTTP/2', headers: [[':path', '/a.B/C']] },
  response: { status: 200, reason: '', version: 'HTTP/2', headers: [[':status', '200']] },
  informational: [],
  unknownFields: [0, 0],
  reset: null,
  pushedOn: null,
  startedBeforeRecording: false,
};
const grpc = { kind: 'server-streaming', counts: [1, 3], times: [[0], [1500, 2500, -20]] };
const detail = (g: unknown, extra: unknown[] = []) => pack([3, [1, 2], [2, 1], message, message, [], null, [], h2, g, ...extra]);

describe('the gRPC summary of a detail', () => {
  it('is taken when it holds what the build writes, and an HTTP/2 detail without one still is', () => {
    expect(checkedDetail(detail(grpc))).toEqual([3, [1, 2], [2, 1], message, message, [], null, [], h2, grpc]);
    expect(typeof checkedDetail(pack([3, [1, 2], [2, 1], message, message, [], null, [], h2]))).toBe('object');
  });

  const hostile: [string, unknown][] = [
    ['not an object', [1, 2]],
    ['null', null],
    ['an unknown kind', { ...grpc, kind: 'streaming' }],
    ['a kind that is no string', { ...grpc, kind: 3 }],
    ['a negative count', { ...grpc, counts: [-1, 3] }],
    ['a count that is not an integer', { ...grpc, counts: [1, 2.5] }],
    ['one count', { ...grpc, counts: [1] }],
    ['more times than messages', { ...grpc, times: [[0, 1], [1, 2, 3]] }],
    ['a time that is text', { ...grpc, times: [['0'], [1, 2, 3]] }],
    ['a time that is not an integer', { ...grpc, times: [[0.5], [1, 2, 3]] }],
    ['a time past 2^53', { ...grpc, times: [[2 ** 60], [1, 2, 3]] }],
    ['times that are no list', { ...grpc, times: [{ length: 0 }, [1]] }],
    ['more times than are ever listed', { kind: 'unary', counts: [5000, 0], times: [Array(GRPC_LIMITS.keepMessages + 1).fill(0), []] }],
  ];
  for (const [what, value] of hostile)
    it(`is refused with ${what}`, () => {
      expect(checkedDetail(detail(value))).toBe('its detail does not hold what a gRPC call holds');
    });

  it('is refused on a detail with an element after it, or on an HTTP/1.x detail', () => {
    expect(checkedDetail(detail(grpc, [1]))).toBe('its detail is of an unknown version');
    expect(checkedDetail(pack([2, [1, 2], [2, 1], message, message, [], null, [], grpc]))).toBe('its detail is of an unknown version');
  });
});
