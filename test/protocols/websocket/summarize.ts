/**
 * The corpus's expected-output text for a run: one block per message, then the connection's
 * flaws (testdata/protocols/websocket/README.md describes each line).
 */
import { createHash } from 'node:crypto';
import type { WsMessage } from '../../../src/protocols/websocket/index.js';
import type { Run } from './run-connection.js';

const SHOWN_TEXT = 240;

/** The digest scenarios.mjs and python_client.py log of a payload's first 64 KiB. */
export function headDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

export function summarizeRun(run: Run): string {
  const lines: string[] = [];
  for (const m of run.messages) lines.push(...messageLines(m));
  for (const f of run.flaws) lines.push(`flaw ${f.dir} ${f.offset} ${f.code}: ${f.message}`);
  return lines.join('\n');
}

function messageLines(m: WsMessage): string[] {
  const flags = [m.complete ? 'complete' : 'incomplete', m.compressed && 'compressed', m.gap && 'gap', m.cut && `cut=${m.cut}`].filter(Boolean);
  const lines = [`message ${m.index} ${m.dir} ${m.type} ${flags.join(' ')}`];
  lines.push(`  frames ${m.frames} wire ${m.wireLength} payload ${m.payloadLength ?? '?'} kept ${m.payload.length} offsets ${m.start} ${m.end} ts ${m.startTs} ${m.endTs}`);
  if (m.text !== undefined) lines.push(`  text ${shownText(m.text)}`);
  else if (m.payload.length > 0 && m.type !== 'close') lines.push(`  bytes ${Buffer.from(m.payload.subarray(0, 16)).toString('hex')}${m.payload.length > 16 ? '…' : ''} sha ${headDigest(m.payload)}`);
  if (m.close) lines.push(`  close ${m.close.code ?? '-'}${m.close.reason !== undefined ? ` ${JSON.stringify(m.close.reason)}` : ''}`);
  for (const f of m.flaws) lines.push(`  flaw ${f.offset} ${f.code}: ${f.message}`);
  return lines;
}

function shownText(text: string): string {
  if (text.length <= SHOWN_TEXT) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, 100))}<…${text.length} chars…>${JSON.stringify(text.slice(-100))}`;
}
