/**
 * What a parsed filter is: a tree of and/or/not over terms, each term one condition on an
 * exchange. The tree holds meanings, not spellings: `~m post`, `method:post` and `method:POST`
 * are the same term, and describeFilter prints each term one way. It holds no source positions
 * (errors are found while parsing), so two filters that mean the same compare equal with
 * deep equality, and since:5m keeps its meaning until it is compiled or matched against a `now`.
 */
import type { TextFieldName } from '../model/text-sql.js';


export type FilterAst =
  | { type: 'all' }
  /** Two or more items, none of them an 'and'. */
  | { type: 'and'; items: FilterAst[] }
  /** Two or more items, none of them an 'or'. */
  | { type: 'or'; items: FilterAst[] }
  | { type: 'not'; item: FilterAst }
  | Term;

/** The searchable text of an exchange (the fields of exchange_text and exchange_fts). */
export type TextField = TextFieldName;

/** Which text a text term searches: a bare word everything, `body:` both bodies, `url:` the URL. */
export type TextScope = 'all' | 'url' | 'body' | 'req-body' | 'resp-body';

export const SCOPE_FIELDS: Record<TextScope, TextField[]> = {
  all: ['url', 'req_headers', 'resp_headers', 'req_body', 'resp_body'],
  url: ['url'],
  body: ['req_body', 'resp_body'],
  'req-body': ['req_body'],
  'resp-body': ['resp_body'],
};

/** Which headers a header term looks at. */
export type HeaderScope = 'header' | 'req-header' | 'resp-header';

export const HEADER_FIELDS: Record<HeaderScope, TextField[]> = {
  header: ['req_headers', 'resp_headers'],
  'req-header': ['req_headers'],
  'resp-header': ['resp_headers'],
};

/** A JavaScript regular expression. `source` never holds an unescaped '/'; flags ⊆ "ims", sorted. */
export interface Regex {
  source: string;
  flags: string;
}

/** A string value: exact, a glob whose `*` is any run of characters, or a regular expression. */
export type StringPattern =
  | { kind: 'exact'; value: string }
  | { kind: 'glob'; value: string }
  | { kind: 'regex'; regex: Regex };

/** A path value: a plain path is itself and everything under it (`/users` → /users, /users/7). */
export type PathPattern = { kind: 'prefix'; value: string } | { kind: 'glob'; value: string } | { kind: 'regex'; regex: Regex };

/** Inclusive status ranges: 404 is [404, 404], 5xx [500, 599], >=500 [500, 999]. */
export type StatusRange = [low: number, high: number];

export type Cmp = '=' | '>' | '>=' | '<' | '<=';

/** The days of the week in Date.getDay() order, by the names a filter prints. */
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A moment as written; resolved against `now` and the local time zone when compiled or matched.
 * Each covers a span at its precision (10:30 is that whole minute, a date that whole day), so
 * `until:` includes all of it. A time of day is hour, minute and second; second null: the minute.
 */
export type TimeSpec =
  /** `5m`, `5m ago`: that long before now (an instant). */
  | { kind: 'ago'; amount: number; unit: 's' | 'm' | 'h' | 'd' | 'w' }
  /** `10:30`, `10:30:15`, `today 10:30`: today, local time. */
  | { kind: 'clock'; hour: number; minute: number; second: number | null }
  /**
   * `today`, `yesterday`, `thursday` (also `last thursday`), `yesterday 14:00`, `thursday 10:00`:
   * a day named from today, local time; the whole day when hour is null. A weekday is the latest
   * one whose start (its midnight, or its time) is not after now: on a Thursday afternoon,
   * `thursday 10:00` is this morning. `today` with a time is the 'clock' kind.
   */
  | { kind: 'day'; day: 'today' | 'yesterday' | Weekday; hour: number | null; minute: number | null; second: number | null }
  /**
   * `2026-11-20`, `2026-11-20T10:30`, `2026-11-20T10:30:15.250`, `2026-11-20T10:30:15Z`,
   * `2026-11-20T10:30+01:00`. `fraction`: the digits after the second's point, as written (their
   * count is the precision: `.5` is a tenth of a second); `offset`: minutes east of UTC, null for
   * local time. Both null unless a second (fraction) or an hour (offset) is given.
   */
  | {
      kind: 'date';
      year: number;
      month: number;
      day: number;
      hour: number | null;
      minute: number | null;
      second: number | null;
      fraction: string | null;
      offset: number | null;
    };

/** What `is:` can ask. */
export type IsWhat = 'error' | 'incomplete' | 'no-response' | 'truncated' | 'sendfile' | 'upgrade' | 'parse-error' | 'n+1' | 'one-way' | 'reset' | 'unknown-fields';

export type Term =
  /** A substring, ASCII case-insensitive: bare words and "phrases", `body:`, `url:`. */
  | { type: 'text'; scope: TextScope; text: string }
  /** A regular expression over text: `body:/…/`; scope 'url' (a bare /…/) tests the URL. */
  | { type: 'text-regex'; scope: Exclude<TextScope, 'all'>; regex: Regex }
  /** `method:GET,POST` (upper-cased: HTTP methods are sent upper case) or `method:/…/`. */
  | { type: 'method'; methods: string[] }
  | { type: 'method-regex'; regex: Regex }
  | { type: 'status'; ranges: StatusRange[] }
  /** The host name, case-insensitive. */
  | { type: 'host'; match: StringPattern }
  /** The path (no query), case-sensitive. */
  | { type: 'path'; match: PathPattern }
  /** A process: `pid:`/`comm:` either end, `client:`/`server:` one end. */
  | { type: 'process'; side: 'any' | 'client' | 'server'; match: { kind: 'pid'; pid: number } | StringPattern }
  /** The server's or the client's port. */
  | { type: 'port'; port: number }
  /** `larger-than:` ('>') and `smaller-than:` ('<') the response body size. */
  | { type: 'size'; cmp: '>' | '<'; bytes: number }
  | { type: 'duration'; cmp: Cmp; ns: number }
  | { type: 'time'; bound: 'since' | 'until'; at: TimeSpec }
  /** A header line: `name` (lower case) present, its value containing `contains` (ASCII case-insensitive). */
  | { type: 'header'; scope: HeaderScope; name: string; contains: string | null }
  /** A regular expression tested against each "Name: value" header line. */
  | { type: 'header-regex'; scope: HeaderScope; regex: Regex }
  /** The response media type (`mime:`), case-insensitive. */
  | { type: 'mime'; match: StringPattern }
  /** `type:json`: the response media type contains this (lower case). */
  | { type: 'type'; text: string }
  | { type: 'is'; what: IsWhat }
  /** `tls:true`: read from TLS plaintext; `tls:false`: not. */
  | { type: 'tls'; decrypted: boolean }
  /** `scheme:https`: the URL's scheme (lower case). */
  | { type: 'scheme'; scheme: string }
  /** `proto:pg,redis`: the exchange's protocol, by its canonical name (PROTOCOL_NAMES). */
  | { type: 'proto'; protocols: string[] }
  /** `sql:"from users"`: the query's shape (model/query-shape.ts) contains this text, shaped the same way. */
  | { type: 'sql'; text: string }
  /** `table:users` (SQL) / `key:session:*` (Redis): one of the names a database call acts on. */
  | { type: 'names'; of: 'table' | 'key'; match: StringPattern }
  /** `cmd:HGETALL,GET`: a database call's operation, upper case. */
  | { type: 'cmd'; commands: string[] }
  /** `db:app`: the database a call ran in. */
  | { type: 'db'; match: StringPattern }
  /** `grpc.service:pkg.Service`, `grpc.method:Get*`: a gRPC call's service or method, case-sensitive as gRPC is. */
  | { type: 'grpc'; of: 'service' | 'method'; match: StringPattern }
  /** `grpc.status:NOT_FOUND,14`: a gRPC call's status codes. */
  | { type: 'grpc-status'; codes: number[] }
  /** `queries:>10`: database calls made while serving an HTTP exchange; `rows:>100`: rows of a result. */
  | { type: 'count'; of: 'queries' | 'rows'; cmp: Cmp; count: number };

export type TermType = Term['type'];

export function isTerm(ast: FilterAst): ast is Term {
  return ast.type !== 'all' && ast.type !== 'and' && ast.type !== 'or' && ast.type !== 'not';
}
