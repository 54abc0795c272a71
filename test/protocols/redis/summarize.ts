/**
 * Redis calls as the text the corpus files expect: one fact per line, every field of DbCall,
 * strings as JSON so that escapes and cut marks show. A string longer than 240 characters shows
 * its start, its length and its end, so that a 64 kB value keeps the file readable.
 */
import type { DbCall } from '../../../src/protocols/db-call.js';

export interface SummaryOptions {
  /** Leave out timestamps (when comparing feeds whose segments have different ts). */
  withoutTs?: boolean;
}

export function summarizeCalls(calls: DbCall[], options: SummaryOptions = {}): string {
  const lines: string[] = [];
  for (const c of calls) {
    const flags = [c.complete ? 'complete' : 'incomplete', c.oneWay ? 'one-way' : '', c.gap ? 'gap' : ''].filter(Boolean);
    lines.push(`call ${c.index} ${c.operation || '-'} ${flags.join(' ')}`);
    if (c.text !== '') lines.push(`  text ${show(c.text)}`);
    if (c.params) lines.push(`  params ${show(c.params)}`);
    if (c.keys) lines.push(`  keys ${show(c.keys)}`);
    lines.push(`  database ${c.database ?? '-'}${c.user === undefined ? '' : ` user ${c.user}`}`);
    if (c.request) lines.push(`  request ${c.request[0]} ${c.request[1]}`);
    if (c.response) lines.push(`  response ${c.response[0]} ${c.response[1]}`);
    const result = c.result === undefined ? '' : ` ${show(c.result)}`;
    lines.push(`  status ${c.status}${result}${c.rows === undefined ? '' : ` rows ${c.rows}`}`);
    if (c.errorCode !== undefined) lines.push(`  error ${c.errorCode}: ${show(c.errorMessage)}`);
    if (c.replyText !== undefined) lines.push(`  replyText ${show(c.replyText)}`);
    lines.push(`  detail ${show(c.detail)}`);
    for (const e of c.errors) lines.push(`  parse-error ${e.dir} ${e.offset} ${e.code}: ${e.message}`);
    if (!options.withoutTs) {
      const t = c.timing;
      lines.push(`  timing ${[t.requestStart, t.requestEnd, t.responseStart, t.responseEnd].map((v) => v ?? '-').join(' ')}`);
    }
  }
  return lines.join('\n');
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' && v.length > 240 ? `${v.slice(0, 120)}<…${v.length} chars…>${v.slice(-60)}` : v,
  );
}
