/**
 * The corpus of testdata/protocols/websocket/ (corpus-suite.ts says how every case is run); and
 * for the cases of real traffic, the messages against what the receiving peer logged it got, and
 * the frames against tshark's dissection of the same capture.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import type { StreamDirection } from '../../../src/protocols/stream.js';
import type { WsMessage, WsMessageType } from '../../../src/protocols/websocket/index.js';
import { loadCase } from '../corpus/corpus-format.js';
import { corpusSuite } from '../corpus/corpus-suite.js';
import { runAtOnce, runIncrementally, startOf } from './run-connection.js';
import { headDigest, summarizeRun } from './summarize.js';

const DIR = fileURLToPath(new URL('../../../testdata/protocols/websocket/', import.meta.url));

corpusSuite({
  name: 'websocket corpus',
  dir: DIR,
  ext: '.ws',
  what: 'messages',
  minCases: 10,
  incremental: (items, testCase) => summarizeRun(runIncrementally(items, startOf(testCase))),
  atOnce: (items, testCase) => summarizeRun(runAtOnce(items, startOf(testCase))),
  checkFiles: (files) => expect(files.filter((f) => existsSync(DIR + f.replace(/\.ws$/, '.peers.jsonl'))).length).toBeGreaterThanOrEqual(4),
  splitTimeoutMs: 60_000,
});

interface PeerRecord {
  dir: StreamDirection;
  type: WsMessageType;
  length: number;
  head: string;
  code?: number;
}

describe('websocket corpus against the peers and tshark', () => {
  const real = readdirSync(DIR).filter((f) => f.endsWith('.peers.jsonl'));

  for (const logFile of real) {
    const name = logFile.replace(/\.peers\.jsonl$/, '');
    const testCase = loadCase(`${DIR}${name}.ws`);
    const { messages } = runAtOnce(testCase.items, startOf(testCase));

    it(`${name}: every message is what the receiving peer got, in order`, () => {
      const received = readFileSync(DIR + logFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as PeerRecord);
      for (const dir of ['c2s', 's2c'] as const) {
        const expected = received.filter((r) => r.dir === dir).map((r) => ({ type: r.type, length: r.length, head: r.head, code: r.code }));
        expect(messages.filter((m) => m.dir === dir).map(asPeerSaw)).toEqual(expected);
      }
      for (const m of messages) {
        expect(m.complete).toBe(true);
        expect(m.flaws).toEqual([]);
      }
    });

    it(`${name}: the frames are the ones tshark dissects`, () => {
      const lines = readFileSync(`${DIR}${name}.tshark`, 'utf8').trim().split('\n');
      for (const dir of ['c2s', 's2c'] as const) {
        const frames = lines.map((l) => l.split(' ')).filter(([d]) => d === dir);
        expect(messages.filter((m) => m.dir === dir).map(asFramed)).toEqual(messagesOfFrames(frames));
      }
    });
  }
});

/** A message as the peer's log has it: a close's length and digest are its reason's. */
function asPeerSaw(m: WsMessage): { type: WsMessageType; length: number; head: string; code?: number } {
  if (m.type === 'close') {
    const reason = Buffer.from(m.close?.reason ?? '');
    return { type: m.type, length: reason.length, head: headDigest(reason), code: m.close?.code };
  }
  return { type: m.type, length: m.payloadLength ?? -1, head: headDigest(m.payload), code: undefined };
}

interface Framed {
  opcode: number;
  frames: number;
  wireLength: number;
  compressed: boolean;
}

function asFramed(m: WsMessage): Framed {
  return { opcode: m.opcode, frames: m.frames, wireLength: m.wireLength, compressed: m.compressed };
}

/** tshark's frames ("DIR FIN RSV1 OPCODE MASKED LENGTH") grouped into messages, each listed when it ends. */
function messagesOfFrames(frames: string[][]): Framed[] {
  const out: Framed[] = [];
  let open: Framed | undefined;
  for (const [, fin, rsv1, opcodeText, , lengthText] of frames) {
    const opcode = Number(opcodeText);
    const length = Number(lengthText);
    if (opcode >= 8) {
      out.push({ opcode, frames: 1, wireLength: length, compressed: false });
      continue;
    }
    if (opcode !== 0) open = { opcode, frames: 0, wireLength: 0, compressed: rsv1 === '1' };
    open!.frames++;
    open!.wireLength += length;
    if (fin === '1') {
      out.push(open!);
      open = undefined;
    }
  }
  return out;
}
