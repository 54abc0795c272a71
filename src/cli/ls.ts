/** tinytap ls FILE [FILTER]: one line per exchange, in a table that fits the terminal. */
import type { Command } from 'commander';

import { SORTABLE, SORT_NAMES } from '../model/exchange-table.js';
import { durationText, exchangeStatusColor, methodText, party, sizeText, statusText, target, timeText } from '../render/exchange-format.js';
import { summaryJson } from './summary-json.js';
import { compileFilterArg, parseFilterArg } from './filter-arg.js';
import { type TimeFlags, addTimeOptions } from './time-flags.js';
import { useColor } from '../render/format.js';
import { INCLUDE_SECRETS, sayWhatWasLeftOut, secretFilter } from './secrets-flag.js';
import { openSession } from './open-session.js';
import { json, joinText, term } from '../render/terminal-text.js';
import { BufferedOutput, stderr, stdout, table, terminalWidth, writeLine } from './terminal.js';
import { UsageError, parseCount, parseDuration } from './units.js';
import { callStatusColor, callStatusText, oneLine, protocolText, queriesText } from '../render/call-format.js';
import { ExchangeFlag } from '../model/exchange-flags.js';
import type { ExchangeSummary } from '../session/session.js';

interface LsFlags extends TimeFlags {
  json?: boolean;
  includeSecrets?: boolean;
  sort?: string;
  reverse?: boolean;
  limit?: string;
  slow?: string;
}

const isHttp = (x: ExchangeSummary) => x.protocol === 'http';

/** A row's duration, marked when it is at least --slow. */
function durationCell(x: ExchangeSummary, slowNs: number | undefined): string {
  const d = durationText(x.duration_ns);
  return slowNs !== undefined && x.duration_ns !== null && Number(x.duration_ns) >= slowNs ? `${d} SLOW` : d;
}

export function registerLs(program: Command): void {
  const command = program
    .command('ls')
    .description('list the exchanges of a session (HTTP requests, SQL queries, Redis commands), one per line')
    .argument('<file>', 'a .tinytap session')
    .argument('[filter...]', 'a filter, e.g. method:POST status:5xx host:api.local (see README)')
    // "-path:/x" negates a filter term; it is not an option
    .allowUnknownOption()
    .option('--json', 'one JSON object per line')
    .option('--sort <column>', `sort by ${Object.keys(SORT_NAMES).join(', ')}`, 'time')
    .option('-r, --reverse', 'reverse the order')
    .option('-n, --limit <n>', 'show at most n exchanges')
    .option('--slow <duration>', 'mark exchanges that took at least this long (e.g. 100ms)')
    .option(...INCLUDE_SECRETS);
  addTimeOptions(command)
    .action((file: string, filter: string[], flags: LsFlags) => {
      const sort = SORT_NAMES[flags.sort ?? 'time'];
      if (!sort || !SORTABLE.has(sort)) throw new UsageError(`bad --sort '${flags.sort}': use one of ${Object.keys(SORT_NAMES).join(', ')}`);
      const limit = flags.limit === undefined ? undefined : parseCount(flags.limit, '--limit');
      const slowNs = flags.slow === undefined ? undefined : parseDuration(flags.slow, '--slow') * 1e6;
      const arg = parseFilterArg(filter, flags);
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
        // an HTTP-only list keeps its HTTP words; one with database calls says what each row is
        const mixed = rows.some((x) => !isHttp(x));
        const linked = rows.some((x) => x.queries !== null);
        const lines = table(
          rows,
          [
            { title: 'ID', value: (x) => String(x.id), right: true },
            { title: 'TIME', value: (x) => timeText(x.req_started) },
            { title: 'CLIENT', value: (x) => party(x.client_pid, x.client_comm) },
            { title: 'SERVER', value: (x) => party(x.server_pid, x.server_comm) },
            ...(mixed ? [{ title: 'PROTO', value: (x: ExchangeSummary) => protocolText(x) }] : []),
            { title: mixed ? 'OP' : 'METHOD', value: (x) => (isHttp(x) ? methodText(x) : (x.operation ?? '—')) },
            { title: mixed ? 'TARGET' : 'URL', value: (x) => (isHttp(x) ? target(x) : oneLine(x.target ?? '')), flex: true, min: 16 },
            {
              title: 'STATUS',
              value: (x) => (isHttp(x) ? statusText(x) : callStatusText(x)),
              right: true,
              color: (x) => (isHttp(x) ? exchangeStatusColor(x) : callStatusColor(x)),
            },
            { title: 'SIZE', value: (x) => (isHttp(x) || x.rows === null ? sizeText(isHttp(x) ? x.resp_body_size : x.resp_size) : `${x.rows} ${x.rows === 1n ? 'row' : 'rows'}`), right: true },
            { title: 'TIME', value: (x) => durationCell(x, slowNs), right: true },
            ...(linked
              ? [{ title: 'DB', value: (x: ExchangeSummary) => queriesText(x), color: (x: ExchangeSummary) => (Number(x.flags) & ExchangeFlag.N_PLUS_ONE ? '33' : null) }]
              : []),
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
