/**
 * A filter as an SQL boolean expression over `exchanges` aliased `x` (formats/exchanges.sql). The
 * columns handed to pattern() and columns() are typed ExchangeColumn (model/exchange-table.ts):
 * one renamed or dropped there is a compile error here. The comparisons written out as SQL text
 * (status, method, flags, req_started) are not checked that way; the query tests cover them.
 *
 * The indexes do the narrowing: key:value terms compare indexed columns the way their index can
 * be used (`x.status BETWEEN ? AND ?`, `x.host = ? COLLATE NOCASE` on the NOCASE host index,
 * `x.client_comm GLOB 'no*'` as a range), and text goes through the trigram index exchange_fts.
 * Only these read rows one by one: negations, regular expressions over non-indexed columns, and
 * texts under three characters (which the trigram index cannot hold); a regex over the bodies
 * or headers is first narrowed through the trigram index by the literal text it must contain.
 *
 * Why LIKE on exchange_fts and not MATCH: the index is built with detail=none, which refuses
 * phrase queries ("fts5: phrase queries are not supported"), and with the trigram tokenizer any
 * text of 4+ characters is a phrase of trigrams. `col LIKE '%text%'` on the FTS table is answered
 * from the same index (EXPLAIN: VIRTUAL TABLE INDEX 0:L<col>). It cannot take an ESCAPE clause,
 * so '%' and '_' in the text stay wildcards there (a superset) and instr() keeps the exact hits.
 *
 * Collations (formats/exchanges.sql): exchanges_host is declared COLLATE NOCASE, which is what
 * lets `x.host = ? COLLATE NOCASE` and `x.host LIKE 'api%'` (LIKE ignores ASCII case) search
 * it; with a BINARY index both would scan. `method:` upper-cases its value and compares exactly,
 * so the BINARY exchanges_method index serves it. comm and path compare case-sensitively (=, GLOB),
 * as BINARY indexes need.
 *
 * NULLs: a comparison with a NULL column (no response: no status) is NULL, and NOT NULL is NULL,
 * so `-status:404` would drop every exchange without a response. In memory that exchange is
 * simply "not status 404"; to agree, a negated expression that can be NULL is `NOT coalesce(…, 0)`.
 */
import type { ExchangeColumn } from '../model/exchange-table.js';
import type { FilterAst, Regex, StringPattern, Term, TextField } from './ast.js';
import { HEADER_FIELDS, SCOPE_FIELDS } from './ast.js';
import { ExchangeFlag, IS_FLAGS } from './flags.js';
import { encodeRegex, headerFieldRegex, requiredLiteral } from './regex.js';
import { textField, textIdsSql } from '../model/text-sql.js';
import { timeSpan } from './time-span.js';

export interface CompiledFilter {
  /** An SQL boolean expression over `exchanges` aliased `x`; '1' for the empty filter. */
  where: string;
  /** Its parameters in order: strings, numbers, and bigint for wall-clock times. */
  params: unknown[];
}

export interface CompileOptions {
  /** What since:5m and since:10:30 are relative to. Default: the current time. */
  now?: Date;
}

/** A piece of SQL, and whether it can be NULL (see the note on NULLs above). */
interface Sql {
  sql: string;
  nullable: boolean;
}

/** A LIKE pattern for `text` taken literally (with ESCAPE '\\'). */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/** A GLOB pattern for a glob whose only wildcard is `*` (GLOB's ? and [ taken literally). */
export function globPattern(glob: string): string {
  return glob.replace(/[?[]/g, '[$&]');
}

class Compiler {
  readonly params: unknown[] = [];

  constructor(private readonly now: Date) {}

  private bind(...values: unknown[]): void {
    this.params.push(...values);
  }

  /** Ids of exchanges whose `fields` contain `text`, ASCII case-insensitively. */
  private textIds(text: string, fields: readonly TextField[]): string {
    const m = textIdsSql(text, fields);
    this.bind(...m.params);
    return m.sql;
  }

  /** Ids of exchanges where `regex` matches one of `fields`, narrowed by `narrow` texts first. */
  private regexIds(regex: Regex, fields: readonly TextField[], extraFlags = '', narrow: string[] = []): string {
    const literal = requiredLiteral(regex);
    const required = [...(literal ? [literal] : []), ...narrow].filter((t) => [...t].length >= 3);
    const where = required.map((t) => `r.id IN (${this.textIds(t, fields)})`);
    const pattern = encodeRegex(regex, extraFlags);
    for (const _ of fields) this.bind(pattern);
    where.push(`(${fields.map((f) => `regexp(?, ${textField('r', f)})`).join(' OR ')})`);
    return `SELECT r.id FROM exchange_text r WHERE ${where.join(' AND ')}`;
  }

  /** A string column against a pattern; `nocase` for host names and media types. */
  private pattern(columns: ExchangeColumn[], p: StringPattern, nocase: boolean): Sql {
    const parts = columns.map((c) => {
      switch (p.kind) {
        case 'exact':
          this.bind(p.value);
          return nocase ? `x.${c} = ? COLLATE NOCASE` : `x.${c} = ?`;
        case 'glob': {
          if (!nocase) {
            this.bind(globPattern(p.value));
            return `x.${c} GLOB ?`;
          }
          const like = likeLiteral(p.value).replace(/\*/g, '%');
          this.bind(like);
          // LIKE is ASCII case-insensitive; the ESCAPE clause only when needed (plainer plans)
          return like.includes('\\') ? `x.${c} LIKE ? ESCAPE '\\'` : `x.${c} LIKE ?`;
        }
        case 'regex':
          this.bind(encodeRegex(p.regex));
          return `regexp(?, x.${c})`;
      }
    });
    return { sql: parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`, nullable: p.kind !== 'regex' };
  }

  private columns(columns: ExchangeColumn[], cmp: string, value: unknown): Sql {
    const parts = columns.map((c) => {
      this.bind(value);
      return `x.${c} ${cmp} ?`;
    });
    return { sql: parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`, nullable: true };
  }

  term(t: Term): Sql {
    switch (t.type) {
      case 'text':
        return { sql: `x.id IN (${this.textIds(t.text, SCOPE_FIELDS[t.scope])})`, nullable: false };
      case 'text-regex':
        if (t.scope === 'url') {
          // exchanges.url holds the same text as exchange_text.url; the index narrows first
          const literal = requiredLiteral(t.regex);
          const narrow = literal ? `x.id IN (${this.textIds(literal, ['url'])}) AND ` : '';
          this.bind(encodeRegex(t.regex));
          return { sql: `(${narrow}regexp(?, x.url))`, nullable: false };
        }
        return { sql: `x.id IN (${this.regexIds(t.regex, SCOPE_FIELDS[t.scope])})`, nullable: false };
      case 'method':
        this.bind(...t.methods);
        return { sql: t.methods.length === 1 ? 'x.method = ?' : `x.method IN (${t.methods.map(() => '?').join(', ')})`, nullable: true };
      case 'method-regex':
        this.bind(encodeRegex(t.regex));
        return { sql: 'regexp(?, x.method)', nullable: false };
      case 'status': {
        const parts = t.ranges.map(([lo, hi]) => {
          if (lo === hi) {
            this.bind(lo);
            return 'x.status = ?';
          }
          this.bind(lo, hi);
          return 'x.status BETWEEN ? AND ?';
        });
        return { sql: parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`, nullable: true };
      }
      case 'host':
        return this.pattern(['host'], t.match, true);
      case 'path': {
        const m = t.match;
        if (m.kind !== 'prefix') return this.pattern(['path'], m, false);
        // /users: the path itself and everything under /users/
        const dir = m.value.endsWith('/') ? m.value : `${m.value}/`;
        this.bind(m.value, `${globPattern(dir)}*`);
        return { sql: '(x.path = ? OR x.path GLOB ?)', nullable: true };
      }
      case 'process': {
        const side: ('client' | 'server')[] = t.side === 'any' ? ['client', 'server'] : [t.side];
        if (t.match.kind === 'pid') return this.columns(side.map((s) => `${s}_pid` as const), '=', t.match.pid);
        return this.pattern(side.map((s) => `${s}_comm` as const), t.match, false);
      }
      case 'port':
        return this.columns(['server_port', 'client_port'], '=', t.port);
      case 'size':
        return this.columns(['resp_body_size'], t.cmp, t.bytes);
      case 'duration':
        return this.columns(['duration_ns'], t.cmp, t.ns);
      case 'time': {
        const [start, end] = timeSpan(t.at, this.now);
        // since: from the start of the span; until: through its end (until:10:30 includes 10:30:59)
        this.bind(t.bound === 'since' ? start : end);
        return { sql: t.bound === 'since' ? 'x.req_started >= ?' : 'x.req_started < ?', nullable: false };
      }
      case 'header': {
        // the index finds the exchanges mentioning "name:" (and the value); the regex checks the line
        const fields = HEADER_FIELDS[t.scope];
        const narrow = [`${t.name}:`, ...(t.contains === null ? [] : [t.contains])];
        return { sql: `x.id IN (${this.regexIds(headerFieldRegex(t.name, t.contains), fields, '', narrow)})`, nullable: false };
      }
      case 'header-regex':
        return { sql: `x.id IN (${this.regexIds(t.regex, HEADER_FIELDS[t.scope], 'm')})`, nullable: false };
      case 'mime':
        return this.pattern(['resp_type'], t.match, true);
      case 'type':
        this.bind(t.text);
        return { sql: 'instr(lower(x.resp_type), ?) > 0', nullable: true };
      case 'tls':
        this.bind(ExchangeFlag.DECRYPTED);
        return { sql: t.decrypted ? '(x.flags & ?) != 0' : '(x.flags & ?) = 0', nullable: false };
      case 'scheme':
        this.bind(t.scheme);
        return { sql: 'x.scheme = ?', nullable: false };
      case 'proto':
        this.bind(...t.protocols);
        return { sql: t.protocols.length === 1 ? 'x.protocol = ?' : `x.protocol IN (${t.protocols.map(() => '?').join(', ')})`, nullable: false };
      case 'sql':
        // a session has few distinct shapes however many queries: those containing the text are
        // read from exchanges_shape, then their rows. (The trigram index over the statement's
        // words was tried: common words like "from" made it slower, BENCHMARKS.md.)
        this.bind(t.text);
        return { sql: 'x.shape IN (SELECT DISTINCT s.shape FROM exchanges s WHERE s.shape IS NOT NULL AND instr(s.shape, ?) > 0)', nullable: true };
      case 'names':
        // one definition of matching a name (predicate.ts namesMatch), called from SQL
        this.bind('redis', JSON.stringify(t.match), t.of === 'table' ? 1 : 0);
        return { sql: `(x.protocol ${t.of === 'key' ? '=' : '!='} ? AND names_match(?, ?, x.names))`, nullable: false };
      case 'cmd':
        this.bind(...t.commands);
        return { sql: `(x.protocol != 'http' AND x.operation IN (${t.commands.map(() => '?').join(', ')}))`, nullable: true };
      case 'db':
        return this.pattern(['db'], t.match, false);
      case 'grpc':
        return this.pattern([t.of === 'service' ? 'grpc_service' : 'grpc_method'], t.match, false);
      case 'grpc-status':
        this.bind(...t.codes);
        return { sql: t.codes.length === 1 ? 'x.grpc_status = ?' : `x.grpc_status IN (${t.codes.map(() => '?').join(', ')})`, nullable: true };
      case 'count':
        return this.columns([t.of], t.cmp, t.count);
      case 'is':
        switch (t.what) {
          case 'error':
            this.bind(ExchangeFlag.PARSE_ERROR | ExchangeFlag.DB_ERROR);
            return { sql: '(x.status >= 400 OR (x.flags & ?) != 0)', nullable: true };
          case 'no-response':
            // an HTTP exchange without a status had no response; a database call never has a
            // status, and says it had no reply with its flag (a one-way message expects none)
            this.bind(ExchangeFlag.NO_RESPONSE);
            return { sql: "(x.status IS NULL AND (x.protocol = 'http' OR (x.flags & ?) != 0))", nullable: false };
          default:
            // `x.flags != 0` lets a partial index ON exchanges(flags) WHERE flags != 0 find the
            // few flagged exchanges without reading the rest
            this.bind(IS_FLAGS[t.what]);
            return { sql: '(x.flags != 0 AND (x.flags & ?) != 0)', nullable: false };
        }
    }
  }

  ast(ast: FilterAst): Sql {
    switch (ast.type) {
      case 'all':
        return { sql: '1', nullable: false };
      case 'not': {
        const item = this.ast(ast.item);
        return { sql: item.nullable ? `NOT coalesce(${item.sql}, 0)` : `NOT (${item.sql})`, nullable: false };
      }
      case 'and':
      case 'or': {
        const items = ast.items.map((i) => this.ast(i));
        return { sql: balanced(items.map((i) => i.sql), ast.type === 'and' ? ' AND ' : ' OR '), nullable: items.some((i) => i.nullable) };
      }
      default:
        return this.term(ast);
    }
  }
}

/**
 * `items` joined by `op` (AND or OR, both associative), parenthesised as a balanced tree: SQLite
 * parses `a AND b AND c …` into a tree as deep as the list is long, and refuses one deeper than
 * 1000 (SQLITE_MAX_EXPR_DEPTH), so 1000 terms were an error; halves nest log2(n) deep.
 */
function balanced(items: string[], op: string): string {
  if (items.length <= 4) return `(${items.join(op)})`;
  const half = items.length >> 1;
  return `(${balanced(items.slice(0, half), op)}${op}${balanced(items.slice(half), op)})`;
}

/**
 * The filter as SQL: `SELECT … FROM exchanges x WHERE ${where}` with `params`. Call
 * registerFilterFunctions(db) once on the connection first (regexes call regexp()).
 */
export function compileFilter(ast: FilterAst, opts: CompileOptions = {}): CompiledFilter {
  const compiler = new Compiler(opts.now ?? new Date());
  const { sql } = compiler.ast(ast);
  return { where: sql, params: compiler.params };
}
