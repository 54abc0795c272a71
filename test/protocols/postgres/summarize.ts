/**
 * Calls as the text the corpus files expect (testdata/protocols/postgres/README.md): one fact per
 * line, every field of DbCall; strings as JSON so that every character is visible.
 */
import type { DbCall } from '../../../src/protocols/db-call.js';
import type { Run } from './run-connection.js';

export interface SummaryOptions {
  /** Leave out timestamps (when comparing feeds whose segments have different ts). */
  withoutTs?: boolean;
}

export function summarizeCalls(run: Run, options: SummaryOptions = {}): string {
  const lines: string[] = [];
  for (const call of run.calls) describeCall(lines, call, options);
  if (run.switchedTo !== null) lines.push(`switched ${run.switchedTo}`);
  return lines.join('\n');
}

function describeCall(lines: string[], c: DbCall, options: SummaryOptions): void {
  const flags = [c.complete ? 'complete' : 'incomplete', c.gap ? 'gap' : '', c.oneWay ? 'one-way' : ''].filter(Boolean);
  lines.push(`call ${c.index} ${c.operation} ${c.status} ${flags.join(' ')}`);
  if (c.protocol !== 'postgresql') lines.push(`  protocol ${c.protocol}`);
  if (c.text !== '') lines.push(`  text ${JSON.stringify(c.text)}`);
  if (c.params) lines.push(`  params ${JSON.stringify(c.params)}`);
  if (c.user !== undefined || c.database !== undefined) lines.push(`  user ${c.user ?? '-'} database ${c.database ?? '-'}`);
  if (c.result !== undefined) lines.push(`  result ${JSON.stringify(c.result)}`);
  if (c.rows !== undefined) lines.push(`  rows ${c.rows}`);
  if (c.errorCode !== undefined || c.errorMessage !== undefined) lines.push(`  error ${c.errorCode ?? '-'} ${JSON.stringify(c.errorMessage ?? '')}`);
  if (c.request) lines.push(`  request ${c.request[0]} ${c.request[1]}`);
  if (c.response) lines.push(`  response ${c.response[0]} ${c.response[1]}`);
  for (const [key, value] of Object.entries(c.detail)) lines.push(`  detail ${key} ${JSON.stringify(value)}`);
  if (c.replyText !== undefined) lines.push(`  replyText ${JSON.stringify(c.replyText)}`);
  for (const e of c.errors) lines.push(`  parse-error ${e.dir} ${e.offset} ${e.code}: ${e.message}`);
  if (!options.withoutTs) {
    const t = c.timing;
    lines.push(`  timing ${[t.requestStart, t.requestEnd, t.responseStart, t.responseEnd].map((v) => v ?? '-').join(' ')}`);
  }
}
