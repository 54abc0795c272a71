/** tinytap ls FILE [FILTER]: one line per exchange, in a table that fits the terminal. */
import type { Command } from 'commander';

import { SORTABLE, SORT_NAMES } from '../model/exchange-table.js';
import { durationText, exchangeStatusColor, methodText, party, sizeText, spansDays, statusText, target, timeText } from '../render/exchange-format.js';
import { summaryJson } from './summary-json.js';
import { compileFilterArg, parseFilterArg } from './filter-arg.js';
import { type TimeFlags, addTimeOptions } from './time-flags.js';
import { useColor } from '../render/format.js';
import { INCLUDE_SECRETS, sayWhatWasLeftOut, secretFilter } from './secrets-flag.js';
import { historyJson } from './history-json.js';
import { openHistory, sessionPaths } from './open-session.js';
import { queryBounds } from '../history/query-bounds.js';
import type { HistoryRow } from '../history/history.js';
import type { Session } from '../session/session.js';
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
    .argument('<file>', 'a .tinytap session, or a directory of them (record --dir); several may be given')
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
    .action((file: string, words: string[], flags: LsFlags) => {
      const sort = SORT_NAMES[flags.sort ?? 'time'];
      if (!sort || !SORTABLE.has(sort)) throw new UsageError(`bad --sort '${flags.sort}': use one of ${Object.keys(SORT_NAMES).join(', ')}`);
      const limit = flags.limit === undefined ? undefined : parseCount(flags.limit, '--limit');
      const slowNs = flags.slow === undefined ? undefined : parseDuration(flags.slow, '--slow') * 1e6;
      const { paths, rest } = sessionPaths(file, words);
      const arg = parseFilterArg(rest, flags);
      const now = new Date();
      const history = openHistory(paths);
      try {
        const select = (s: Session) => compileFilterArg(s, arg, now);
        const rows = history.rows(select, { orderBy: sort, descending: !!flags.reverse, limit }, queryBounds(arg.ast, now));
        const idOf = (r: HistoryRow) => history.idText(r.file, r.x.id);
        if (flags.json) {
          // streamed, and written in large pieces: a line per write is a syscall per exchange
          const out = new BufferedOutput();
          const secrets = secretFilter(flags);
          for (const r of rows) out.write(term`${json(historyJson(history, r, summaryJson(r.x, secrets)))}\n`);
          out.flush();
          sayWhatWasLeftOut(secrets);
          return;
        }
        const list = [...rows];
        const color = useColor();
        // an HTTP-only list keeps its HTTP words; one with database calls says what each row is
        const mixed = list.some((r) => !isHttp(r.x));
        const linked = list.some((r) => r.x.queries !== null);
        type Row = HistoryRow;
        const times = list.map((r) => r.x.req_started);
        const dated = times.length > 1 && spansDays(times.reduce((a, b) => (b < a ? b : a)), times.reduce((a, b) => (b > a ? b : a)));
        const lines = table(
          list,
          [
            { title: 'ID', value: (r) => idOf(r), right: !history.tagged },
            { title: 'TIME', value: (r) => timeText(r.x.req_started, dated) },
            { title: 'CLIENT', value: (r) => party(r.x.client_pid, r.x.client_comm) },
            { title: 'SERVER', value: (r) => party(r.x.server_pid, r.x.server_comm) },
            ...(mixed ? [{ title: 'PROTO', value: (r: Row) => protocolText(r.x) }] : []),
            { title: mixed ? 'OP' : 'METHOD', value: (r) => (isHttp(r.x) ? methodText(r.x) : (r.x.operation ?? '—')) },
            { title: mixed ? 'TARGET' : 'URL', value: (r) => (isHttp(r.x) ? target(r.x) : oneLine(r.x.target ?? '')), flex: true, min: 16 },
            {
              title: 'STATUS',
              value: (r) => (isHttp(r.x) ? statusText(r.x) : callStatusText(r.x)),
              right: true,
              color: (r) => (isHttp(r.x) ? exchangeStatusColor(r.x) : callStatusColor(r.x)),
            },
            {
              title: 'SIZE',
              value: ({ x }) => (isHttp(x) || x.rows === null ? sizeText(isHttp(x) ? x.resp_body_size : x.resp_size) : `${x.rows} ${x.rows === 1n ? 'row' : 'rows'}`),
              right: true,
            },
            { title: 'TIME', value: (r) => durationCell(r.x, slowNs), right: true },
            ...(linked
              ? [{ title: 'DB', value: (r: Row) => queriesText(r.x), color: (r: Row) => (Number(r.x.flags) & ExchangeFlag.N_PLUS_ONE ? '33' : null) }]
              : []),
          ],
          terminalWidth(),
          color,
        );
        writeLine(stdout, joinText(lines));
        if (stdout.isTTY) {
          const total = history.totalExchanges();
          const shown = list.length;
          const files = history.tagged ? ` in ${history.files.length} ${history.files.length === 1 ? 'file' : 'files'}` : '';
          writeLine(stderr, term`${shown} of ${total} exchanges${files}${arg.text ? term` matching ${arg.text}` : ''}`);
        }
      } finally {
        history.close();
      }
    });
}
