/** tinytap search FILE TEXT [FILTER]: substring search across URLs, headers and bodies. */
import type { Command } from 'commander';

import { type TextMatch, findMatches, textSearchSql } from '../session/text-search.js';
import { party, statusColor, statusText } from './exchange-format.js';
import { compileFilterArg, parseFilterArg } from './filter-arg.js';
import { paint, useColor } from './format.js';
import { openSession } from './open-session.js';
import { safeText } from './terminal.js';
import { UsageError, parseCount } from './units.js';

function showMatch(m: TextMatch, color: boolean): string {
  const before = safeText(m.before);
  const hit = safeText(m.hit);
  const after = safeText(m.after);
  return `    ${m.field.padEnd(16)} ${m.cutBefore ? '…' : ''}${before}${paint(color, '1;33', hit)}${after}${m.cutAfter ? '…' : ''}`;
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('find exchanges whose URL, headers or (decoded) bodies contain TEXT')
    .argument('<file>', 'a .tinytap session')
    .argument('<text>', 'the text to find (case-insensitive)')
    .argument('[filter...]', 'narrow with a filter, as in tinytap ls')
    // "-path:/x" negates a filter term; it is not an option
    .allowUnknownOption()
    .option('--json', 'one JSON object per line, with the matches')
    .option('-n, --limit <n>', 'stop after n exchanges')
    .action((file: string, text: string, filter: string[], flags: { json?: boolean; limit?: string }) => {
      if (!text) throw new UsageError('search needs some text to look for');
      const limit = flags.limit === undefined ? undefined : parseCount(flags.limit, '--limit');
      const arg = parseFilterArg(filter);
      const session = openSession(file);
      try {
        const f = compileFilterArg(session, arg);
        const t = textSearchSql(text);
        const rows = session.exchanges({ where: `(${t.where}) AND (${f.where})`, params: [...t.params, ...f.params], limit });
        const color = useColor();
        const textRow = session.db.prepare('SELECT url, req_headers, resp_headers, req_body, resp_body FROM exchange_text WHERE id = ?');
        for (const x of rows) {
          const matches = findMatches(textRow.get(Number(x.id)) as Record<string, string>, text);
          if (flags.json) {
            process.stdout.write(
              JSON.stringify({ id: Number(x.id), method: x.method, url: x.url, status: x.status === null ? null : Number(x.status), matches }) + '\n',
            );
            continue;
          }
          const status = paint(color, statusColor(x.status) ?? '0', statusText(x));
          process.stdout.write(
            `${paint(color, '1', `#${x.id}`)}  ${safeText(x.method ?? '')} ${safeText(x.url)}  ${status}  ${party(x.client_pid, x.client_comm)} → ${party(x.server_pid, x.server_comm)}\n`,
          );
          for (const m of matches) process.stdout.write(showMatch(m, color) + '\n');
        }
        if (process.stdout.isTTY && !flags.json) process.stderr.write(`${rows.length} exchanges contain "${safeText(text)}"\n`);
        if (rows.length === 0) process.exitCode = 1;
      } finally {
        session.close();
      }
    });
}
