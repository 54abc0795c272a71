/**
 * Calls as the text the corpus files expect: one fact per line, every field of DbCall. Strings
 * are printed as JSON (so control characters and cut text are visible); long ones are shortened
 * for the file's sake, with their full length said.
 */
import type { DbCall } from '../../../src/protocols/db-call.js';

export interface SummaryOptions {
  /** Leave out timestamps (when comparing feeds whose segments have different ts). */
  withoutTs?: boolean;
}

const SHOWN = 300;

export function summarizeCalls(calls: DbCall[], switchedTo: string | null, options: SummaryOptions = {}): string {
  const lines: string[] = [];
  for (const c of calls) {
    lines.push(`call ${c.index} ${c.operation || '-'} ${c.status} ${c.complete ? 'complete' : 'incomplete'}${c.gap ? ' gap' : ''}${c.oneWay ? ' one-way' : ''}`);
    if (c.text) lines.push(`  text ${show(c.text)}`);
    if (c.params) lines.push(`  params ${shorten(JSON.stringify(c.params))}`);
    if (c.user !== undefined || c.database !== undefined) lines.push(`  user ${show(c.user ?? '-')} database ${show(c.database ?? '-')}`);
    if (c.result !== undefined) lines.push(`  result ${show(c.result)}`);
    if (c.rows !== undefined) lines.push(`  rows ${c.rows}`);
    if (c.errorCode !== undefined) lines.push(`  error ${c.errorCode}: ${show(c.errorMessage ?? '')}`);
    if (c.request) lines.push(`  request ${c.request[0]} ${c.request[1]}`);
    if (c.response) lines.push(`  response ${c.response[0]} ${c.response[1]}`);
    if (!options.withoutTs) {
      const t = c.timing;
      lines.push(`  timing ${[t.requestStart, t.requestEnd, t.responseStart, t.responseEnd].map((v) => v ?? '-').join(' ')}`);
    }
    if (c.replyText !== undefined) lines.push(`  reply-text ${show(c.replyText)}`);
    for (const [key, value] of Object.entries(c.detail)) lines.push(`  detail ${key} ${value === undefined ? 'undefined (must not be set)' : shorten(JSON.stringify(value))}`);
    for (const e of c.errors) lines.push(`  parse-error ${e.dir} ${e.offset} ${e.code}: ${e.message}`);
  }
  if (switchedTo) lines.push(`switched to ${switchedTo}`);
  return lines.join('\n');
}

/** JSON-quoted, and shortened past SHOWN characters. */
function show(text: string): string {
  if (text.length <= SHOWN) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, SHOWN))}… (${text.length} characters)`;
}

function shorten(json: string): string {
  return json.length <= SHOWN ? json : `${json.slice(0, SHOWN)}… (${json.length} characters)`;
}
