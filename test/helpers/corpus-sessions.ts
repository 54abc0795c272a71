/**
 * The protocol corpus (testdata/http, testdata/protocols/*: the cases each protocol's parser is
 * held to) as session files, for the tests that compare ways of building the same file
 * (parallel-build, incremental-build): every edge the corpus holds (gaps, truncated copies,
 * garbage, connections ending mid-message) then goes through a build's whole pass, not only
 * through its parser. Each case is one loopback TCP connection with both ends captured: its
 * bytes are the sender's writes and the receiver's reads at the case's stream offsets. Cases are
 * open four at a time, their records interleaved, over many commits: a build sees flows open
 * across block boundaries.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { DataFlag, Direction, Syscall } from '../../src/events/layout.js';
import { encodeClose, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import type { StreamItem } from '../../src/protocols/stream.js';
import { loadCase } from '../protocols/corpus/corpus-format.js';
import { ScriptedSession } from './scripted-session.js';
import { SWITCHED, UPGRADE } from './ws-frames.js';

export interface CorpusDir {
  name: string;
  dir: string;
  ext: string;
  /** The server's port: some protocols are told by it. */
  port: number;
  /** What exchanges.protocol says of its cases. */
  protocol: string;
  /** The cases are a WebSocket connection's frames: an HTTP upgrade goes first. */
  upgrade?: boolean;
}

const at = (path: string) => fileURLToPath(new URL(`../../testdata/${path}`, import.meta.url));

export const CORPUS_DIRS: CorpusDir[] = [
  { name: 'http1', protocol: 'http', dir: at('http/'), ext: '.http', port: 8080 },
  { name: 'http2', protocol: 'http', dir: at('protocols/http2/'), ext: '.h2', port: 8080 },
  { name: 'postgres', protocol: 'postgresql', dir: at('protocols/postgres/'), ext: '.pg', port: 5432 },
  { name: 'mysql', protocol: 'mysql', dir: at('protocols/mysql/'), ext: '.mysql', port: 3306 },
  { name: 'redis', protocol: 'redis', dir: at('protocols/redis/'), ext: '.resp', port: 6379 },
  { name: 'websocket', protocol: 'http', dir: at('protocols/websocket/'), ext: '.ws', port: 8080, upgrade: true },
];

const CLIENT = { pid: 7001, comm: 'client' };
const SERVER = { pid: 7002, comm: 'server' };

/**
 * One case's records, in steps: its connection, its bytes, its ends and closes. Each step makes
 * its records when it is taken, so that their times follow the order they are recorded in.
 */
function caseSteps(s: ScriptedSession, items: StreamItem[], notes: string[], dir: CorpusDir, k: number): (() => Buffer[])[] {
  const cid = 2 * k + 1;
  const sid = 2 * k + 2;
  const clientPort = 30000 + k;
  const ends = {
    c2s: { from: CLIENT, fromConn: cid, fromFd: 5, to: SERVER, toConn: sid, toFd: 9 },
    s2c: { from: SERVER, fromConn: sid, fromFd: 9, to: CLIENT, toConn: cid, toFd: 5 },
  };
  const steps: (() => Buffer[])[] = [
    () => [
      encodeConn({ ...CLIENT, connId: cid, fd: 5, role: 1, cause: 1, local: [[127, 0, 0, 1], clientPort], remote: [[127, 0, 0, 1], dir.port], tsNs: s.tick() }),
      encodeConn({ ...SERVER, connId: sid, fd: 9, role: 2, cause: 2, local: [[127, 0, 0, 1], dir.port], remote: [[127, 0, 0, 1], clientPort], tsNs: s.tick() }),
    ],
  ];
  const shift = { c2s: 0, s2c: 0 };
  const data = (d: 'c2s' | 's2c', offset: number, bytes: Uint8Array, length: number, flags: number, sender = true): Buffer[] => {
    const e = ends[d];
    const streamOff = shift[d] + offset;
    const out = [];
    if (sender)
      out.push(encodeData({ pid: e.from.pid, tid: e.from.pid, comm: e.from.comm, connId: e.fromConn, fd: e.fromFd, ret: length, data: Buffer.from(bytes), dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff, tsNs: s.tick(), flags: DataFlag.LAST | flags }));
    out.push(encodeData({ pid: e.to.pid, tid: e.to.pid, comm: e.to.comm, connId: e.toConn, fd: e.toFd, ret: length, data: Buffer.from(bytes), dir: Direction.INGRESS, syscall: Syscall.READ, streamOff, tsNs: s.tick(), flags: DataFlag.LAST | flags }));
    return out;
  };
  if (dir.upgrade) {
    const ext = notes.filter((n) => /^sec-websocket-extensions:/i.test(n)).map((n) => `${n}\r\n`).join('');
    const up = Buffer.from(UPGRADE, 'latin1');
    const sw = Buffer.from(SWITCHED(ext), 'latin1');
    // taken after the shift below is set: at stream offset 0
    steps.push(() => data('c2s', -up.length, up, up.length, 0), () => data('s2c', -sw.length, sw, sw.length, 0));
    shift.c2s = up.length;
    shift.s2c = sw.length;
  }
  for (const item of items) {
    if (item.kind === 'end') {
      // the receiver reads the end of the stream
      const e = ends[item.dir];
      steps.push(() => [encodeData({ pid: e.to.pid, tid: e.to.pid, comm: e.to.comm, connId: e.toConn, fd: e.toFd, ret: 0, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: shift[item.dir] + item.offset, tsNs: s.tick() })]);
      continue;
    }
    if (item.kind !== 'data') continue;
    const bytes = item.bytes;
    if (!item.gap) steps.push(() => data(item.dir, item.offset, bytes, bytes.length, 0));
    // copies cut at --max-payload, both ends
    else if (item.gap === 'truncated') steps.push(() => data(item.dir, item.offset, bytes, item.length, DataFlag.TRUNCATED));
    // the sender's sendfile: no copy of the tail from the sender, the reader's cut
    else if (item.gap === 'zerocopy') {
      const e = ends[item.dir];
      steps.push(() => [
        ...(bytes.length ? data(item.dir, item.offset, bytes, bytes.length, 0).slice(0, 1) : []),
        encodeData({ pid: e.from.pid, tid: e.from.pid, comm: e.from.comm, connId: e.fromConn, fd: e.fromFd, ret: item.length - bytes.length, dir: Direction.EGRESS, syscall: Syscall.SENDFILE, streamOff: shift[item.dir] + item.offset + bytes.length, tsNs: s.tick(), flags: DataFlag.LAST | DataFlag.ZEROCOPY }),
        ...data(item.dir, item.offset, bytes, item.length, DataFlag.TRUNCATED, false),
      ]);
    }
    // lost: the records of the rest never reached the recorder
    else if (bytes.length) steps.push(() => data(item.dir, item.offset, bytes, bytes.length, 0));
  }
  steps.push(() => [encodeClose({ ...CLIENT, connId: cid, fd: 5, tsNs: s.tick() }), encodeClose({ ...SERVER, connId: sid, fd: 9, tsNs: s.tick() })]);
  return steps;
}

/** The cases of a corpus directory, in name order. */
export function corpusFiles(dir: CorpusDir): string[] {
  return readdirSync(dir.dir)
    .filter((f) => f.endsWith(dir.ext))
    .sort()
    .map((f) => dir.dir + f);
}

/**
 * Script every case of `dir` into a session at `path` (not written until finish()): four cases
 * open at a time, a step of each in turn, a commit every third round.
 */
export function scriptCorpus(path: string, dir: CorpusDir): ScriptedSession {
  const s = new ScriptedSession(path);
  s.push(encodeProc({ ...CLIENT, argv: ['client'], tsNs: s.tick() }), encodeProc({ ...SERVER, argv: ['server'], tsNs: s.tick() }));
  const files = corpusFiles(dir);
  if (files.length === 0) throw new Error(`no ${dir.ext} cases in ${dir.dir}`);
  for (let g = 0; g < files.length; g += 4) {
    const group = files.slice(g, g + 4).map((f, i) => {
      const c = loadCase(f);
      return caseSteps(s, c.items, c.notes, dir, g + i);
    });
    for (let round = 0; group.some((steps) => round < steps.length); round++) {
      for (const steps of group) if (round < steps.length) s.push(...steps[round]());
      if (round % 3 === 2) s.commit();
    }
    s.commit();
  }
  return s;
}
