// One direction of a flow from its two witnesses: the receiving end leads, the sending end
// fills what the receiver lacks, and a disagreement between them is reported.
import { describe, expect, it } from 'vitest';

import { DataFlag, Direction, EventFlag, Syscall } from '../../src/events/layout.js';
import type { StreamItem, StreamSegment } from '../../src/protocols/stream.js';
import { WitnessedStream } from '../../src/reconstruct/stream-items.js';
import type { SessionEvent } from '../../src/session/event-reader.js';

let nextId = 1;

function ev(o: { dir: number; off: number; data?: string; ret?: number; flags?: number; ts?: number; syscall?: number }): SessionEvent {
  const payload = Buffer.from(o.data ?? '', 'latin1');
  return {
    id: nextId++,
    tls: false,
    ts: BigInt(o.ts ?? nextId * 1000),
    connId: o.dir === Direction.INGRESS ? 2 : 1,
    pid: 1,
    tid: 1,
    comm: 't',
    fd: 3,
    syscall: o.syscall ?? (o.dir === Direction.INGRESS ? Syscall.READ : Syscall.WRITE),
    dir: o.dir,
    flags: o.flags ?? 0,
    ret: o.ret ?? payload.length,
    streamOff: o.off,
    auxFd: -1,
    msgIndex: 0,
    peer: null,
    payload,
  };
}

const sent = (off: number, data: string, extra: Partial<Parameters<typeof ev>[0]> = {}) => ev({ dir: Direction.EGRESS, off, data, ...extra });
const read = (off: number, data: string, extra: Partial<Parameters<typeof ev>[0]> = {}) => ev({ dir: Direction.INGRESS, off, data, ...extra });

/** The bytes the items hold, with '~' for each byte they say is missing, and the gaps' reasons. */
function text(items: StreamItem[]): { bytes: string; gaps: string[]; ends: string[] } {
  let bytes = '';
  const gaps: string[] = [];
  const ends: string[] = [];
  let next = -1;
  for (const i of items) {
    if (i.kind === 'end') {
      ends.push(i.reason);
      continue;
    }
    if (next >= 0) expect(i.offset, 'items follow each other').toBe(next);
    next = i.offset + i.length;
    bytes += Buffer.from(i.bytes).toString('latin1') + '~'.repeat(i.length - i.bytes.length);
    if (i.gap) gaps.push(i.gap);
  }
  return { bytes, gaps, ends };
}

function both(): WitnessedStream {
  return new WitnessedStream('c2s', 0n, { receiver: true, sender: true });
}

describe('WitnessedStream', () => {
  it('with the receiver alone, reads what it read and says why the rest is missing', () => {
    const s = new WitnessedStream('c2s', 0n, { receiver: true, sender: false });
    const items = [
      ...s.received(read(0, 'GET / HTTP/1.1\r\n')),
      ...s.sent(sent(0, 'ignored: no sender witness')),
      ...s.received(read(16, 'Host', { ret: 10, flags: DataFlag.TRUNCATED })),
      ...s.received(read(26, '', { ret: 0 })),
    ];
    expect(text(items)).toEqual({ bytes: 'GET / HTTP/1.1\r\nHost~~~~~~', gaps: ['truncated'], ends: ['eof'] });
  });

  it('with both, the receiver leads and the earliest event holding the bytes is the sender\'s', () => {
    const s = both();
    const w = sent(0, 'hello world');
    expect(s.sent(w)).toEqual([]);
    const items = s.received(read(0, 'hello world'));
    expect(text(items).bytes).toBe('hello world');
    const seg = items[0] as StreamSegment;
    expect(seg.eventId).toBe(w.id);
    expect(seg.lastEventId).toBe(w.id + 1);
    expect(s.disagreement).toBeNull();
  });

  it('fills bytes the receiver\'s capture cut or lost from the sender\'s copy', () => {
    const s = both();
    s.sent(sent(0, 'abcdefghij'));
    s.sent(sent(10, 'klmnopqrst'));
    const items = [
      // cut at --max-payload after 4 bytes
      ...s.received(read(0, 'abcd', { ret: 8, flags: DataFlag.TRUNCATED })),
      // a read whose records the full ring lost: the stream jumps from 8 to 14
      ...s.received(read(14, 'opqrst')),
    ];
    expect(text(items)).toEqual({ bytes: 'abcdefghijklmnopqrst', gaps: [], ends: [] });
  });

  // the receiver's reason: its copy would have the bytes with a larger --max-payload
  it('keeps the gap when neither witness has the bytes, with the receiver\'s reason', () => {
    const s = both();
    s.sent(sent(0, 'head'));
    // sendfile: the sender's copy of the body is a zero-copy marker without bytes
    s.sent(sent(4, '', { ret: 6, flags: DataFlag.ZEROCOPY, syscall: Syscall.SENDFILE }));
    const items = s.received(read(0, 'head', { ret: 10, flags: DataFlag.TRUNCATED }));
    expect(text(items)).toEqual({ bytes: 'head~~~~~~', gaps: ['truncated'], ends: [] });
  });

  it('takes the bytes the receiver never read from the sender, and ends when both are done', () => {
    const s = both();
    const request = 'POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n';
    s.sent(sent(0, request));
    const head = s.received(read(0, request));
    s.sent(sent(request.length, 'body!!'));
    // the server answers without reading the body and closes
    const closed = s.receiverClosed(9000, 99);
    expect(text(closed)).toEqual({ bytes: 'body!!', gaps: [], ends: [] });
    // the client goes on writing until it notices
    const late = s.sent(sent(request.length + 6, 'more'));
    expect(text(late).bytes).toBe('more');
    const end = s.senderClosed(9500, 100);
    expect(text([...head, ...closed, ...late, ...end]).ends).toEqual(['close']);
  });

  it('ends at the receiver\'s end of stream at once: nothing can follow an EOF', () => {
    const s = both();
    s.sent(sent(0, 'abc'));
    expect(text([...s.received(read(0, 'abc')), ...s.received(read(3, '', { ret: 0 }))]).ends).toEqual(['eof']);
  });

  it('never runs time backwards when it takes an older copy', () => {
    const s = both();
    s.sent(sent(0, 'abcdef', { ts: 100 }));
    const items = [...s.received(read(0, 'abc', { ts: 500 })), ...s.receiverClosed(600, 9), ...s.senderClosed(700, 10)];
    const times = items.filter((i) => i.kind === 'data').map((i) => i.ts);
    expect(times).toEqual([500, 500]);
  });

  it('reports the first byte on which the two ends disagree', () => {
    const s = both();
    s.sent(sent(0, 'hello world'));
    s.received(read(0, 'hello wOrld'));
    expect(s.disagreement).toBe(7);
  });

  it('passes over peeks: they look at bytes that a read moves later', () => {
    const s = new WitnessedStream('c2s', 0n, { receiver: true, sender: false });
    const items = [...s.received(read(0, '', { ret: 5, flags: EventFlag.PEEK })), ...s.received(read(0, 'hello'))];
    expect(text(items).bytes).toBe('hello');
  });

  it('with the sender alone, takes each byte once when a zero-copy marker follows its body records', () => {
    const s = new WitnessedStream('s2c', 0n, { receiver: false, sender: true });
    const items = [
      ...s.sent(sent(0, 'HTTP/1.1 200 OK\r\n\r\n')),
      // the body read on the TCP send path, then the sendfile marker covering the same range
      ...s.sent(sent(19, 'body', { syscall: Syscall.TCP_SENDMSG, flags: DataFlag.BODY_SOURCE })),
      ...s.sent(sent(19, '', { ret: 10, flags: DataFlag.ZEROCOPY, syscall: Syscall.SENDFILE })),
      ...s.senderClosed(1, 1),
    ];
    expect(text(items)).toEqual({ bytes: 'HTTP/1.1 200 OK\r\n\r\nbody~~~~~~', gaps: ['zerocopy'], ends: ['close'] });
  });

  it('finishes with what the sender sent and nobody read', () => {
    const s = both();
    s.sent(sent(0, 'unread'));
    expect(text(s.finish(1, 1))).toEqual({ bytes: 'unread', gaps: [], ends: ['close'] });
  });
});
