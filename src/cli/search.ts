/** tinytap search FILE TEXT [FILTER]: substring search across URLs, headers and bodies. */
import type { Command } from 'commander';
import { callStatusColor, callStatusText, oneLine, protocolText } from '../render/call-format.js';

import type { SecretFilter } from '../export/secrets.js';
import { type TextMatch, findMatches, textSearchSql } from '../session/text-search.js';
import { SessionQueries } from '../session/session-queries.js';
import { exchangeStatusColor, party, statusText } from '../render/exchange-format.js';
import { compileFilterArg, parseFilterArg } from './filter-arg.js';
import { type TimeFlags, addTimeOptions } from './time-flags.js';
import { paint, useColor } from '../render/format.js';
import { ensureTextIndex, openHistory, sessionPaths } from './open-session.js';
import { queryBounds } from '../history/query-bounds.js';
import type { Session } from '../session/session.js';
import { INCLUDE_SECRETS, sayWhatWasLeftOut, secretFilter } from './secrets-flag.js';
import { type TerminalText, json, term } from '../render/terminal-text.js';
import { stderr, stdout, writeLine } from './terminal.js';
import { UsageError, parseCount } from './units.js';

/**
 * An exchange's text as --json shows it: the matches are found in the text with its
 * credentials replaced (src/export/secrets.ts), so no match quotes one. The exchange is still
 * listed when the text was found in a credential: whoever searched knows it already.
 */
function sharedText(row: Record<string, string>, secrets: SecretFilter): Record<string, string> {
  if (secrets.keep) return row;
  const type = (headers: string) => /^content-type:[ \t]*([^;\n]*)/im.exec(headers)?.[1].trim().toLowerCase() ?? null;
  return {
    url: secrets.url(row.url ?? ''),
    req_headers: secrets.headerLines(row.req_headers ?? ''),
    resp_headers: secrets.headerLines(row.resp_headers ?? ''),
    req_body: secrets.bodyText(row.req_body ?? '', type(row.req_headers ?? '')),
    resp_body: secrets.bodyText(row.resp_body ?? '', type(row.resp_headers ?? '')),
  };
}

/** What a database call's text fields hold, by the names a person uses for them. */
const CALL_FIELDS: Record<string, Record<string, string>> = {
  redis: { 'request body': 'command', 'response body': 'reply' },
  sql: { 'request body': 'query', 'response body': 'result' },
  // a WebSocket's text messages are its upgrade exchange's text (derived-writer.ts)
  websocket: { 'request body': 'messages sent', 'response body': 'messages received' },
};

function showMatch(m: TextMatch, color: boolean, protocol = 'http', upgrade: string | null = null): TerminalText {
  const names = protocol === 'http' ? (upgrade === 'websocket' ? CALL_FIELDS.websocket : null) : CALL_FIELDS[protocol === 'redis' ? 'redis' : 'sql'];
  const field = names?.[m.field] ?? m.field;
  return term`    ${field.padEnd(16)} ${m.cutBefore ? '…' : ''}${m.before}${paint(color, '1;33', m.hit)}${m.after}${m.cutAfter ? '…' : ''}`;
}

export function registerSearch(program: Command): void {
  const command = program
    .command('search')
    .description('find exchanges whose URL, headers, (decoded) bodies, SQL, Redis commands or replies contain TEXT')
    .argument('<file>', 'a .tinytap session, or a directory of them (record --dir); several may be given')
    .argument('<text>', 'the text to find (case-insensitive)')
    .argument('[filter...]', 'narrow with a filter, as in tinytap ls')
    // "-path:/x" negates a filter term; it is not an option
    .allowUnknownOption()
    .option('--json', 'one JSON object per line, with the matches')
    .option('-n, --limit <n>', 'stop after n exchanges')
    .option(...INCLUDE_SECRETS);
  addTimeOptions(command)
    .action((file: string, text: string, words: string[], flags: { json?: boolean; limit?: string; includeSecrets?: boolean } & TimeFlags) => {
      // `search DIR a.tinytap TEXT`: the paths come first, the text after them
      const given = sessionPaths(file, [text, ...words]);
      const [needle, ...filter] = given.rest;
      if (!needle) throw new UsageError('search needs some text to look for');
      const limit = flags.limit === undefined ? undefined : parseCount(flags.limit, '--limit');
      const arg = parseFilterArg(filter, flags);
      const now = new Date();
      const history = openHistory(given.paths);
      try {
        const select = (s: Session) => {
          const f = compileFilterArg(s, arg, now);
          ensureTextIndex(s);
          const t = textSearchSql(needle);
          return { where: `(${t.where}) AND (${f.where})`, params: [...t.params, ...f.params] };
        };
        const color = useColor();
        const secrets = secretFilter(flags);
        let found = 0;
        // one per file: its text statement is prepared once, not once an exchange
        const queries = new Map<Session, SessionQueries>();
        const queriesOf = (s: Session) => queries.get(s) ?? queries.set(s, new SessionQueries(s)).get(s)!;
        for (const r of history.rows(select, { limit }, queryBounds(arg.ast, now))) {
          const x = r.x;
          found++;
          const id = history.idText(r.file, x.id);
          const row = queriesOf(history.session(r.file)).exchangeText(Number(x.id)) ?? {};
          if (flags.json) {
            const matches = findMatches(sharedText(row, secrets), needle);
            const line = { id: Number(x.id), protocol: x.protocol, method: x.method, operation: x.operation, url: secrets.url(x.url), status: x.status === null ? null : Number(x.status), matches };
            writeLine(stdout, json(history.tagged ? { ...line, id, file: r.file.path } : line));
            continue;
          }
          const matches = findMatches(row, needle);
          const parties = term`${party(x.client_pid, x.client_comm)} → ${party(x.server_pid, x.server_comm)}`;
          if (x.protocol === 'http') {
            const status = paint(color, exchangeStatusColor(x) ?? '0', statusText(x));
            writeLine(stdout, term`${paint(color, '1', `#${id}`)}  ${x.method ?? ''} ${x.url}  ${status}  ${parties}`);
          } else {
            const what = oneLine(x.target ?? '');
            const status = paint(color, callStatusColor(x), callStatusText(x));
            writeLine(stdout, term`${paint(color, '1', `#${id}`)}  ${protocolText(x)} ${x.operation ?? ''} ${what.length > 100 ? `${what.slice(0, 99)}…` : what}  ${status}  ${parties}`);
          }
          for (const m of matches) writeLine(stdout, showMatch(m, color, x.protocol, x.upgrade));
        }
        if (stdout.isTTY && !flags.json) writeLine(stderr, term`${found} exchanges contain "${needle}"`);
        sayWhatWasLeftOut(secrets);
        if (found === 0) process.exitCode = 1;
      } finally {
        history.close();
      }
    });
}
