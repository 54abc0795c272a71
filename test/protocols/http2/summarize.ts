/** One line per fact of a connection's exchanges and facts: the expected output of the corpus (README.md). */
import type { Http2Body, Http2Message, Http2ParseError } from '../../../src/protocols/http2/index.js';
import { escapeLatin1 } from '../corpus/escape.js';
import type { Run } from './run-connection.js';

export function summarize(run: Run): string {
  const out: string[] = [];
  for (const ex of run.exchanges) {
    const marks = [ex.complete ? 'complete' : 'incomplete'];
    if (ex.pushedOn !== undefined) marks.push(`pushed-on ${ex.pushedOn}`);
    if (ex.startedBeforeRecording) marks.push('before-recording');
    if (ex.fieldsUnknown) marks.push('fields-unknown');
    out.push(`exchange ${ex.index} stream ${ex.streamId} ${marks.join(' ')}`);
    if (ex.request) {
      const r = ex.request;
      out.push(`  request ${[r.method, r.scheme, r.authority, r.path].map((v) => (v === undefined ? '-' : escapeLatin1(v))).join(' ')}${r.http1Upgrade ? ' (http/1.1 upgrade)' : ''}`);
      message(out, 'request', r);
    }
    for (const info of ex.informational) {
      out.push(`  informational ${info.status ?? '-'}`);
      message(out, 'informational', info);
    }
    if (ex.response) {
      out.push(`  response ${ex.response.status ?? '-'}`);
      message(out, 'response', ex.response);
    }
    if (ex.reset) out.push(`  reset by ${ex.reset.by} ${ex.reset.name} at ${ex.reset.offset}`);
    for (const e of ex.errors) out.push(`  ${error(e)}`);
    const t = ex.timing;
    out.push(`  timing ${[t.requestStart, t.requestEnd, t.responseStart, t.responseEnd].map((v) => v ?? '-').join(' ')}`);
  }
  const f = run.facts;
  out.push(`connection ${f.start} skipped ${f.skipped.c2s} ${f.skipped.s2c} pings ${f.pings.client} ${f.pings.server} unknown-frames ${f.unknownFrames} on-closed ${f.framesOnClosedStreams} dropped ${f.droppedStreams}`);
  for (const s of f.settings) out.push(`  settings ${s.by} at ${s.offset}${s.ack ? ' ack' : ''}${s.values.map(([n, v]) => ` ${n}=${v}`).join('')}`);
  for (const g of f.goaways) out.push(`  goaway ${g.by} at ${g.offset} last ${g.lastStreamId} ${g.name}${g.debugLength > 0 ? ` ${JSON.stringify(g.debug)}` : ''}`);
  if (f.omittedFrames > 0) out.push(`  omitted-frames ${f.omittedFrames}`);
  for (const e of f.errors) out.push(`  ${error(e)}`);
  return out.join('\n');
}

function message(out: string[], label: string, m: Http2Message): void {
  out.push(`    at ${m.start} ${m.headEnd} ${m.end}${m.complete ? ' ended' : ''}`);
  if (m.headers.length > 0) out.push(`    headers ${fields(m.headers)}`);
  for (const u of m.unknownFields) out.push(`    unknown-field at ${u.at}${u.value === null ? '' : ` value "${escapeLatin1(u.value)}"`} (${u.reason})`);
  if (m.omittedFields) out.push(`    omitted-fields ${m.omittedFields}`);
  if (m.body.length > 0 || m.body.ranges.length > 0) out.push(`    body ${body(m.body)}`);
  if (m.trailers.length > 0) out.push(`    trailers ${fields(m.trailers)}`);
  void label;
}

function fields(list: [string, string][]): string {
  return list.map(([n, v]) => `${escapeLatin1(n)}: ${escapeLatin1(v)}`).join(' | ');
}

function body(b: Http2Body): string {
  const ranges = b.ranges.map(([s, e]) => `${s}-${e}`);
  const shown = ranges.length > 6 ? [...ranges.slice(0, 3), `…${ranges.length - 5} more…`, ...ranges.slice(-2)] : ranges;
  const gaps = b.gaps.map((g) => ` gap ${g.start}-${g.end} ${g.reason}`).join('');
  return `${b.length} bytes in ${ranges.length + b.omittedRanges} frames: ${shown.join(' ')}${gaps}`;
}

function error(e: Http2ParseError): string {
  return `error ${e.dir} ${e.offset} ${e.code}${e.directionLost ? ' (direction lost)' : ''}: ${e.message}`;
}
