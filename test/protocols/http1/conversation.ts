/**
 * Generated HTTP/1.1 conversations for property tests: a model of each exchange (what the parser
 * must report), the wire bytes of both directions, and ways of cutting those bytes into segments
 * and interleaving them as a capture would.
 */
import fc from 'fast-check';
import type { GapReason, StreamDirection, StreamItem, StreamSegment } from '../../../src/protocols/stream.js';

export type ModelFraming = 'none' | 'length' | 'chunked' | 'close';

export interface ModelMessage {
  startLine: string;
  /** Fields as the parser must report them (framing fields included). */
  headers: Array<[string, string]>;
  framing: ModelFraming;
  body: Uint8Array;
  trailers: Array<[string, string]>;
  /** Where the body's data bytes lie in the message's wire bytes, relative to its start. */
  dataRanges: Array<[number, number]>;
  headLength: number;
  wire: Uint8Array;
}

export interface ModelExchange {
  request: ModelMessage;
  informational: ModelMessage[];
  response: ModelMessage;
}

export interface Conversation {
  exchanges: ModelExchange[];
  c2s: Uint8Array;
  s2c: Uint8Array;
  /** The last response runs until the close: s2c must end with an end marker. */
  closeDelimited: boolean;
  /** Per exchange: c2s offset of the end of its request head, s2c offset of its first response byte. */
  requestHeadEnds: number[];
  responseStarts: number[];
  /** Body data ranges of each direction, as stream offsets. */
  bodyRanges: Record<StreamDirection, Array<[number, number]>>;
}

const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade', 'trailer']);

const arbName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,14}$/)
  .filter((n) => !RESERVED.has(n.toLowerCase()));
// visible latin1, inner spaces allowed, no leading/trailing whitespace (the parser trims OWS)
const valueChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constant(0x20) },
  { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xff }) },
);
const arbValue = fc
  .array(valueChar, { maxLength: 24 })
  .map((codes) => String.fromCharCode(...codes).trim());
const arbHeaders = fc.array(fc.tuple(arbName, arbValue), { maxLength: 5 });
const arbBody = fc.uint8Array({ maxLength: 120 });
const arbEol = fc.constantFrom('\r\n', '\r\n', '\r\n', '\n');
const arbTarget = fc.stringMatching(/^\/[A-Za-z0-9._~%/?=&-]{0,24}$/);

interface MessageSpec {
  headers: Array<[string, string]>;
  framing: ModelFraming;
  body: Uint8Array;
  chunkCuts: number[];
  extensions: boolean;
  trailers: Array<[string, string]>;
  eol: string;
  upperHex: boolean;
}

const arbMessageSpec = (framings: ModelFraming[]): fc.Arbitrary<MessageSpec> =>
  fc.record({
    headers: arbHeaders,
    framing: fc.constantFrom(...framings),
    body: arbBody,
    chunkCuts: fc.array(fc.nat(), { maxLength: 4 }),
    extensions: fc.boolean(),
    trailers: fc.array(fc.tuple(arbName, arbValue), { maxLength: 2 }),
    eol: arbEol,
    upperHex: fc.boolean(),
  });

const arbExchangeSpec = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  target: arbTarget,
  request: arbMessageSpec(['none', 'length', 'chunked']),
  status: fc.constantFrom(200, 200, 201, 204, 301, 304, 400, 404, 500),
  response: arbMessageSpec(['length', 'length', 'chunked']),
  continue100: fc.boolean(),
  headLength: fc.nat({ max: 100000 }),
});

export const arbConversation: fc.Arbitrary<Conversation> = fc
  .record({ exchanges: fc.array(arbExchangeSpec, { minLength: 1, maxLength: 5 }), lastUntilClose: fc.boolean() })
  .map(({ exchanges, lastUntilClose }) => buildConversation(exchanges, lastUntilClose));

type ExchangeSpec = typeof arbExchangeSpec extends fc.Arbitrary<infer T> ? T : never;

function buildConversation(specs: ExchangeSpec[], lastUntilClose: boolean): Conversation {
  const exchanges: ModelExchange[] = [];
  let closeDelimited = false;
  specs.forEach((spec, k) => {
    const request = buildMessage(`${spec.method} ${spec.target} HTTP/1.1`, spec.request, spec.request.framing);
    const informational = spec.continue100
      ? [buildMessage('HTTP/1.1 100 Continue', { ...spec.response, headers: [], framing: 'none' }, 'none')]
      : [];
    let framing: ModelFraming = spec.response.framing;
    let declared: number | undefined;
    const noBody = spec.method === 'HEAD' || spec.status === 204 || spec.status === 304;
    if (noBody) {
      framing = 'none';
      // HEAD and 304 may declare the length they would have had
      if (spec.status !== 204) declared = spec.headLength;
    } else if (lastUntilClose && k === specs.length - 1) {
      framing = 'close';
      closeDelimited = true;
    }
    const reason = spec.status === 200 ? 'OK' : `Status ${spec.status}`;
    const response = buildMessage(`HTTP/1.1 ${spec.status} ${reason}`, spec.response, framing, declared);
    exchanges.push({ request, informational, response });
  });

  const requestHeadEnds: number[] = [];
  const responseStarts: number[] = [];
  const bodyRanges: Record<StreamDirection, Array<[number, number]>> = { c2s: [], s2c: [] };
  let c2sAt = 0;
  let s2cAt = 0;
  for (const ex of exchanges) {
    requestHeadEnds.push(c2sAt + ex.request.headLength);
    for (const [a, b] of ex.request.dataRanges) bodyRanges.c2s.push([c2sAt + a, c2sAt + b]);
    c2sAt += ex.request.wire.length;
    responseStarts.push(s2cAt);
    for (const m of [...ex.informational, ex.response]) {
      for (const [a, b] of m.dataRanges) bodyRanges.s2c.push([s2cAt + a, s2cAt + b]);
      s2cAt += m.wire.length;
    }
  }
  return {
    exchanges,
    c2s: concat(exchanges.map((e) => e.request.wire)),
    s2c: concat(exchanges.flatMap((e) => [...e.informational.map((i) => i.wire), e.response.wire])),
    closeDelimited,
    requestHeadEnds,
    responseStarts,
    bodyRanges,
  };
}

function buildMessage(startLine: string, spec: MessageSpec, framing: ModelFraming, declared?: number): ModelMessage {
  const { eol } = spec;
  const headers: Array<[string, string]> = [...spec.headers];
  let body = framing === 'none' ? new Uint8Array(0) : spec.body;
  let trailers: Array<[string, string]> = [];
  if (framing === 'length') headers.push(['Content-Length', String(body.length)]);
  if (framing === 'chunked') headers.push(['Transfer-Encoding', 'chunked']);
  if (framing === 'none' && declared !== undefined) headers.push(['Content-Length', String(declared)]);
  const head = latin1Bytes(`${startLine}${eol}${headers.map(([n, v]) => `${n}: ${v}${eol}`).join('')}${eol}`);
  const parts: Uint8Array[] = [head];
  const dataRanges: Array<[number, number]> = [];
  let at = head.length;
  const add = (bytes: Uint8Array, isData: boolean): void => {
    if (isData && bytes.length > 0) dataRanges.push([at, at + bytes.length]);
    parts.push(bytes);
    at += bytes.length;
  };
  if (framing === 'length' || framing === 'close') {
    add(body, true);
  } else if (framing === 'chunked') {
    trailers = spec.trailers;
    const cuts = [...new Set(spec.chunkCuts.map((c) => (body.length > 0 ? c % body.length : 0)))]
      .filter((c) => c > 0)
      .sort((a, b) => a - b);
    let from = 0;
    for (const to of [...cuts, body.length]) {
      if (to === from) continue;
      const hex = (to - from).toString(16);
      const ext = spec.extensions ? ';ext="v"' : '';
      add(latin1Bytes(`${spec.upperHex ? hex.toUpperCase() : hex}${ext}${eol}`), false);
      add(body.subarray(from, to), true);
      add(latin1Bytes(eol), false);
      from = to;
    }
    const trailerText = trailers.map(([n, v]) => `${n}: ${v}${eol}`).join('');
    add(latin1Bytes(`0${eol}${trailerText}${eol}`), false);
  } else {
    body = new Uint8Array(0);
  }
  return { startLine, headers, framing, body, trailers, dataRanges, headLength: head.length, wire: concat(parts) };
}

// ---- segmenting and interleaving ----

/** Cuts `bytes` at the given positions (taken modulo its length) into segments of one direction. */
export function cutInto(dir: StreamDirection, bytes: Uint8Array, cuts: number[]): StreamSegment[] {
  const points = [...new Set(cuts.map((c) => (bytes.length > 1 ? 1 + (c % (bytes.length - 1)) : 0)))]
    .filter((c) => c > 0 && c < bytes.length)
    .sort((a, b) => a - b);
  const segments: StreamSegment[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    if (to === from) continue;
    segments.push({ kind: 'data', dir, ts: 0, offset: from, length: to - from, bytes: bytes.subarray(from, to), eventId: 0 });
    from = to;
  }
  return segments;
}

/**
 * Merges the two directions' segments in a random order that a real capture could show: a
 * response's bytes are only seen after the head of the request it answers.
 */
export function interleave(conv: Conversation, c2s: StreamSegment[], s2c: StreamSegment[], coin: boolean[]): StreamItem[] {
  const items: StreamItem[] = [];
  let i = 0;
  let j = 0;
  let fedC2s = 0;
  let k = 0;
  while (i < c2s.length || j < s2c.length) {
    const wantC2s = coin.length > 0 ? coin[k++ % coin.length] : true;
    const s2cReady = j < s2c.length && fedC2s >= requiredC2s(conv, s2c[j]);
    if (i < c2s.length && (wantC2s || !s2cReady)) {
      items.push(c2s[i]);
      fedC2s = c2s[i].offset + c2s[i].length;
      i++;
    } else {
      items.push(s2c[j++]);
    }
  }
  return stamp(withEnds(conv, items));
}

/** Each direction in one segment, c2s first: the reference feed. */
export function wholeFeed(conv: Conversation): StreamItem[] {
  const items: StreamItem[] = [...cutInto('c2s', conv.c2s, []), ...cutInto('s2c', conv.s2c, [])];
  return stamp(withEnds(conv, items));
}

/** The c2s bytes that must precede this s2c segment: the heads of the requests its bytes answer. */
function requiredC2s(conv: Conversation, segment: StreamSegment): number {
  const last = segment.offset + segment.length - 1;
  let k = 0;
  while (k + 1 < conv.responseStarts.length && conv.responseStarts[k + 1] <= last) k++;
  return conv.requestHeadEnds[k];
}

function withEnds(conv: Conversation, items: StreamItem[]): StreamItem[] {
  if (!conv.closeDelimited) return items;
  return [...items, { kind: 'end', dir: 's2c', ts: 0, offset: conv.s2c.length, reason: 'eof', eventId: 0 }];
}

/** Gives items increasing ts and event ids, in feed order. */
function stamp(items: StreamItem[]): StreamItem[] {
  return items.map((item, n) => ({ ...item, ts: 1000 + n * 10, eventId: n + 1 }));
}

/**
 * The same segments with the body-data tail of some of them uncaptured (a truncated or
 * zero-copy send): `pick` chooses which, `reasons` why.
 */
export function withBodyGaps(conv: Conversation, items: StreamItem[], pick: boolean[], reasons: GapReason[]): StreamItem[] {
  let n = 0;
  return items.map((item) => {
    if (item.kind !== 'data' || !pick[n++ % Math.max(1, pick.length)]) return item;
    const end = item.offset + item.length;
    const range = conv.bodyRanges[item.dir].find(([a, b]) => a < end && end <= b);
    if (!range) return item;
    const keep = Math.max(range[0], item.offset) - item.offset;
    if (keep >= item.length) return item;
    return { ...item, bytes: item.bytes.subarray(0, keep), gap: reasons[n % Math.max(1, reasons.length)] ?? 'truncated' };
  });
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
