/** tinytap ls FILE [FILTER]: one line per exchange, in a table that fits the terminal. */
import type { Command } from 'commander';

import { SORTABLE, SORT_NAMES } from '../model/exchange-table.js';
import { durationText, party, sizeText, statusColor, statusText, target, timeText } from '../render/exchange-format.js';
import { summaryJson } from './summary-json.js';
import { compileFilterArg, parseFilterArg } from './filter-arg.js';
import { useColor } from '../render/format.js';
import { INCLUDE_SECRETS, sayWhatWasLeftOut, secretFilter } from './secrets-flag.js';
import { openSession } from './open-session.js';
import { json, joinText, term } from '../render/terminal-text.js';
import { BufferedOutput, stderr, stdout, table, terminalWidth, writeLine } from './terminal.js';
import { UsageError, parseCount } from './units.js';

interface LsFlags {
  json?: boolean;
  includeSecrets?: boolean;
  sort?: string;
  reverse?: boolean;
  limit?: string;
}

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list the HTTP exchanges of a session, one per line')
    .argument('<file>', 'a .tinytap session')
    .argument('[filter...]', 'a filter, e.g. method:POST status:5xx host:api.local (see README)')
    // "-path:/x" negates a filter term; it is not an option
    .allowUnknownOption()
    .option('--json', 'one JSON object per line')
    .option('--sort <column>', `sort by ${Object.keys(SORT_NAMES).join(', ')}`, 'time')
    .option('-r, --reverse', 'reverse the order')
    .option('-n, --limit <n>', 'show at most n exchanges')
    .option(...INCLUDE_SECRETS)
    .action((file: string, filter: string[], flags: LsFlags) => {
      const sort = SORT_NAMES[flags.sort ?? 'time'];
      if (!sort || !SORTABLE.has(sort)) throw new UsageError(`bad --sort '${flags.sort}': use one of ${Object.keys(SORT_NAMES).join(', ')}`);
      const limit = flags.limit === undefined ? undefined : parseCount(flags.limit, '--limit');
      const arg = parseFilterArg(filter);
      const session = openSession(file);
      try {
        const f = compileFilterArg(session, arg);
        const query = { where: f.where, params: f.params, orderBy: sort, descending: !!flags.reverse, limit };
        if (flags.json) {
          // streamed, and written in large pieces: a line per write is a syscall per exchange
          const out = new BufferedOutput();
          const secrets = secretFilter(flags);
          for (const x of session.iterateExchanges(query)) out.write(term`${json(summaryJson(x, secrets))}\n`);
          out.flush();
          sayWhatWasLeftOut(secrets);
          return;
        }
        const rows = session.exchanges(query);
        const color = useColor();
        const lines = table(
          rows,
          [
            { title: 'ID', value: (x) => String(x.id), right: true },
            { title: 'TIME', value: (x) => timeText(x.req_started) },
            { title: 'CLIENT', value: (x) => party(x.client_pid, x.client_comm) },
            { title: 'SERVER', value: (x) => party(x.server_pid, x.server_comm) },
            { title: 'METHOD', value: (x) => x.method ?? '—' },
            { title: 'URL', value: (x) => target(x), flex: true, min: 16 },
            { title: 'STATUS', value: (x) => statusText(x), right: true, color: (x) => statusColor(x.status) },
            { title: 'SIZE', value: (x) => sizeText(x.resp_body_size), right: true },
            { title: 'TIME', value: (x) => durationText(x.duration_ns), right: true },
          ],
          terminalWidth(),
          color,
        );
        writeLine(stdout, joinText(lines));
        if (stdout.isTTY) {
          const total = session.countExchanges();
          const shown = rows.length;
          writeLine(stderr, term`${shown} of ${total} exchanges${f.text ? term` matching ${f.text}` : ''}`);
        }
      } finally {
        session.close();
      }
    });
}
