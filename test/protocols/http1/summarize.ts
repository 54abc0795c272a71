/**
 * Exchanges as the text the corpus files expect: one fact per line, every field of the output
 * model, bodies rebuilt from their ranges (so a wrong range shows up as wrong bytes).
 */
import type { StreamItem } from '../../../src/protocols/stream.js';
import type { Http1Exchange, HttpMessage } from '../../../src/protocols/http1/index.js';
import { CapturedStream } from './captured-stream.js';
import { escapeByte, escapeLatin1 } from '../corpus/escape.js';

export interface SummaryOptions {
  /** Leave out timestamps (when comparing feeds whose segments have different ts). */
  withoutTs?: boolean;
}

export function summarizeExchanges(exchanges: Http1Exchange[], items: StreamItem[], options: SummaryOptions = {}): string {
  const streams = { c2s: new CapturedStream(items, 'c2s'), s2c: new CapturedStream(items, 's2c') };
  const lines: string[] = [];
  for (const ex of exchanges) {
    lines.push(`exchange ${ex.index} ${ex.complete ? 'complete' : 'incomplete'}`);
    if (ex.request) describeMessage(lines, 'request', ex.request, streams.c2s, options);
    for (const info of ex.informational) describeMessage(lines, 'informational', info, streams.s2c, options);
    if (ex.response) describeMessage(lines, 'response', ex.response, streams.s2c, options);
    if (ex.protocolSwitch) {
      const s = ex.protocolSwitch;
      lines.push(`  switch ${s.protocol} c2s ${s.c2sOffset ?? '-'} s2c ${s.s2cOffset}`);
    }
    for (const e of ex.errors) lines.push(`  error ${e.dir} ${e.offset} ${e.code}: ${e.message}`);
    if (!options.withoutTs) {
      const t = ex.timing;
      lines.push(`  timing ${[t.requestStart, t.requestEnd, t.responseStart, t.responseEnd].map((v) => v ?? '-').join(' ')}`);
    }
  }
  return lines.join('\n');
}

function describeMessage(
  lines: string[],
  label: string,
  m: HttpMessage,
  stream: CapturedStream,
  options: SummaryOptions,
): void {
  const first = m.kind === 'request' ? `${m.method} ${m.target} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;
  lines.push(`  ${label} ${escapeLatin1(first)}`);
  lines.push(`    offsets ${m.start} ${m.headEnd} ${m.end}`);
  if (!options.withoutTs) lines.push(`    ts ${m.startTs} ${m.headEndTs} ${m.endTs}`);
  lines.push(`    ${m.complete ? 'complete' : 'incomplete'} ${m.keepAlive ? 'keep-alive' : 'close'}`);
  for (const [name, value] of m.headers) lines.push(`    header ${escapeLatin1(name)}: ${escapeLatin1(value)}`);
  const b = m.body;
  const declared = b.declaredLength === undefined ? '' : ` declared ${b.declaredLength}`;
  lines.push(`    body ${b.framing} ${b.length} bytes${declared} ${b.complete ? 'complete' : 'incomplete'}`);
  for (const [start, end] of b.ranges) lines.push(`    range ${start} ${end}`);
  for (const g of b.gaps) lines.push(`    gap ${g.start} ${g.end} ${g.reason}`);
  for (const [name, value] of b.trailers) lines.push(`    trailer ${escapeLatin1(name)}: ${escapeLatin1(value)}`);
  if (b.length > 0) {
    let data = '';
    for (const piece of stream.bodyPieces(b)) {
      if (piece instanceof Uint8Array) for (const byte of piece) data += escapeByte(byte);
      else data += `\\{${piece.reason} ${piece.missing}}`;
    }
    lines.push(`    data ${data}`);
  }
}
