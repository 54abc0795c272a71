/**
 * Generated Redis conversations for the property tests: commands (RESP arrays of bulk strings)
 * and replies of every RESP2/RESP3 type, encoded to bytes, and fed as stream items cut anywhere
 * (a reply never arrives before the request it answers, as on a real connection).
 */
import fc from 'fast-check';
import type { StreamDirection, StreamItem } from '../../../src/protocols/stream.js';

export type Reply =
  | { t: 'simple'; text: string }
  | { t: 'error'; code: string; text: string }
  | { t: 'integer'; n: number }
  | { t: 'bulk'; bytes: Uint8Array }
  | { t: 'null' }
  | { t: 'double'; text: string }
  | { t: 'boolean'; value: boolean }
  | { t: 'verbatim'; text: string }
  | { t: 'aggregate'; kind: 'array' | 'set' | 'map'; items: Reply[] };

export interface Exchange {
  args: Uint8Array[];
  reply: Reply;
}

/** Pipelined groups: every request of a group is sent before the group's replies. */
export interface Conversation {
  groups: Exchange[][];
}

const NAMES = ['GET', 'SET', 'HGETALL', 'LRANGE', 'ECHO', 'DEL', 'MGET', 'XADD', 'ZADD', 'PING'];
const word = fc.stringMatching(/^[a-z0-9:]{1,8}$/);
const bytes = fc.uint8Array({ maxLength: 40 });
const line = fc.stringMatching(/^[a-zA-Z0-9 .:]{0,20}$/);

const scalar: fc.Arbitrary<Reply> = fc.oneof(
  line.map((text) => ({ t: 'simple' as const, text: `s${text}` })),
  fc.tuple(fc.constantFrom('ERR', 'WRONGTYPE', 'NOAUTH'), line).map(([code, text]) => ({ t: 'error' as const, code, text })),
  fc.integer().map((n) => ({ t: 'integer' as const, n })),
  bytes.map((b) => ({ t: 'bulk' as const, bytes: b })),
  fc.constant({ t: 'null' as const }),
  fc.double({ noNaN: true }).map((d) => ({ t: 'double' as const, text: String(d) })),
  fc.boolean().map((value) => ({ t: 'boolean' as const, value })),
  line.map((text) => ({ t: 'verbatim' as const, text })),
);

export const arbReply: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc
      .tuple(fc.constantFrom('array' as const, 'set' as const, 'map' as const), fc.array(tie('reply'), { maxLength: 4 }))
      .map(([kind, items]) => ({ t: 'aggregate' as const, kind, items: kind === 'map' ? items.slice(0, items.length & ~1) : items })),
  ),
})).reply;

const arbExchange: fc.Arbitrary<Exchange> = fc
  .tuple(fc.constantFrom(...NAMES), fc.array(fc.oneof(word.map((w) => Buffer.from(w)), bytes), { maxLength: 5 }), arbReply)
  .map(([name, args, reply]) => ({ args: [Buffer.from(name), ...args], reply }));

export const arbConversation: fc.Arbitrary<Conversation> = fc
  .array(fc.array(arbExchange, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 })
  .map((groups) => ({ groups }));

export function encodeCommand(args: Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), Buffer.from(a), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

export function encodeReply(r: Reply): Buffer {
  switch (r.t) {
    case 'simple':
      return Buffer.from(`+${r.text}\r\n`);
    case 'error':
      return Buffer.from(`-${r.code} ${r.text}\r\n`);
    case 'integer':
      return Buffer.from(`:${r.n}\r\n`);
    case 'bulk':
      return Buffer.concat([Buffer.from(`$${r.bytes.length}\r\n`), Buffer.from(r.bytes), Buffer.from('\r\n')]);
    case 'null':
      return Buffer.from('_\r\n');
    case 'double':
      return Buffer.from(`,${r.text}\r\n`);
    case 'boolean':
      return Buffer.from(`#${r.value ? 't' : 'f'}\r\n`);
    case 'verbatim':
      return Buffer.from(`=${r.text.length + 4}\r\ntxt:${r.text}\r\n`);
    case 'aggregate': {
      const mark = r.kind === 'array' ? '*' : r.kind === 'set' ? '~' : '%';
      const count = r.kind === 'map' ? r.items.length / 2 : r.items.length;
      return Buffer.concat([Buffer.from(`${mark}${count}\r\n`), ...r.items.map(encodeReply)]);
    }
  }
}

/**
 * The conversation as stream items: each direction cut at the given positions (taken modulo
 * its length) and at group boundaries; a group's requests go before its replies.
 */
export function feed(conv: Conversation, c2sCuts: number[], s2cCuts: number[]): StreamItem[] {
  const c2s = conv.groups.map((g) => Buffer.concat(g.map((e) => encodeCommand(e.args))));
  const s2c = conv.groups.map((g) => Buffer.concat(g.map((e) => encodeReply(e.reply))));
  const items: StreamItem[] = [];
  const offsets: Record<StreamDirection, number> = { c2s: 0, s2c: 0 };
  let ts = 1000;
  let eventId = 1;
  const push = (dir: StreamDirection, data: Buffer, cuts: number[]): void => {
    const at = [...new Set(cuts.map((c) => (data.length > 1 ? 1 + (c % (data.length - 1)) : 0)))].filter((c) => c > 0).sort((a, b) => a - b);
    let from = 0;
    for (const end of [...at, data.length]) {
      if (end <= from) continue;
      const bytes = data.subarray(from, end);
      items.push({ kind: 'data', dir, ts: ts++, offset: offsets[dir], length: bytes.length, bytes, eventId: eventId++ });
      offsets[dir] += bytes.length;
      from = end;
    }
  };
  conv.groups.forEach((_, g) => {
    push('c2s', c2s[g], c2sCuts);
    push('s2c', s2c[g], s2cCuts);
  });
  return items;
}

/** The same items with every segment's ts replaced by its group's (for comparing feeds). */
export function wholeFeed(conv: Conversation): StreamItem[] {
  return feed(conv, [], []);
}
