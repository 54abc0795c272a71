/**
 * tinytap diff A B [FILTER]: what changed between two recordings, endpoint by endpoint. Exit
 * code 0 when nothing differs, 1 when something does, 2 on an error, so it can gate a CI job.
 */
import type { Command } from 'commander';

import {
  DEFAULT_IGNORED_HEADERS,
  DEFAULT_IGNORED_JSON_FIELDS,
  DIFF_MESSAGE_LIMIT,
  type DiffReport,
  type DiffSource,
  type Difference,
  type EndpointReport,
  IgnoreRules,
  type LatencyThreshold,
  type NoiseEntry,
  NoiseFileError,
  noiseEntries,
  parseNoiseFile,
  withoutNoise,
  diffReportJson,
  diffSessions,
  parseLatencyRatio,
  type TimeWindow,
  timeWindow,
} from '../diff/index.js';
import type { SecretFilter } from '../export/secrets.js';
import type { JsonChangeKind } from '../diff/json-diff.js';
import type { Session } from '../session/session.js';
import { CliError, reportError } from './errors.js';
import { type CompiledArg, type FilterArg, compileFilterArg, parseFilterArg } from './filter-arg.js';
import { type SideFlags, historySource, sideFilter } from './history-diff.js';
import { lstatSync } from 'node:fs';
import { type TimeFlags, addTimeOptions } from './time-flags.js';
import { formatBytes, formatCount, formatDurationMs, paint, useColor } from '../render/format.js';
import { openHistory, openSession } from './open-session.js';
import { INCLUDE_SECRETS, sayWhatWasLeftOut, secretFilter } from './secrets-flag.js';
import { type TerminalText, type TextPart, json, joinText, term } from '../render/terminal-text.js';
import { setOutputFailureStatus } from './stdout.js';
import { readSmallFile } from '../files/read-small-file.js';
import { progressBar, stdout, table, terminalWidth, writeLine } from './terminal.js';
import { UsageError, parseDuration } from './units.js';

export interface CompareFlags {
  json?: boolean;
  includeSecrets?: boolean;
  ignoreHeader?: string[];
  ignoreJsonPath?: string[];
  defaultIgnores: boolean;
  noise?: string;
  latencyThreshold?: string;
  latencyMinChange: string;
}

interface DiffFlags extends CompareFlags, TimeFlags, SideFlags {
  noiseFrom?: string;
}

/** Exit codes: a CI job reads "differs" apart from "could not compare". */
export const EXIT_SAME = 0;
export const EXIT_DIFFERS = 1;
export const EXIT_ERROR = 2;

/** A noise file is a list of places: 64 MiB holds far more than MAX_NOISE_ENTRIES. */
const NOISE_FILE_BYTES = 64 << 20;

/** Latency rows shown on a terminal; --json has them all. */
const LATENCY_ROWS = 10;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Words into lines of at most `width` columns, the later ones indented. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${indent}`);
}

const DEFAULTS_HELP = `
Exchanges are matched by method and route: ids in the path (numbers, UUIDs, hashes, long
tokens) become {id}, and the query keeps its keys only. The n-th GET /users/{id} of A is
compared with the n-th of B.

Ignored by default (--no-default-ignores compares them too):
  headers      ${wrap(DEFAULT_IGNORED_HEADERS.join(', '), 80, '               ')}
  shape only   Set-Cookie (names and attributes, not values or expiry), Cookie (names),
               Authorization and Proxy-Authorization (the scheme)
  JSON fields  ${wrap(`named ${DEFAULT_IGNORED_JSON_FIELDS.join(', ')}, at any depth (ignoring case, '_' and '-': request_id and Request-Id too)`, 80, '               ')}
  JSON values  times, whatever the field is called (epoch s/ms/µs/ns, ISO 8601, HTTP dates)
               within a day of the recordings; random-looking tokens (UUIDs, hex, base64)
               that differ on every pair of an endpoint
The report ends with what each rule left out.

Exit status: 0 nothing differs, 1 something does, 2 the recordings could not be compared.`;

/** What matching exchanges reads of each (ExchangeRef). */
const REF_COLUMNS = ['id', 'duration_ns', 'method', 'path', 'query', 'url', 'protocol', 'operation', 'shape', 'grpc_service', 'grpc_method'] as const;

export function sourceOf(session: Session, filter: CompiledArg): DiffSource {
  return {
    summaries: () => session.iterateColumns(REF_COLUMNS, { where: filter.where, params: filter.params }),
    exchange: (id) => session.exchange(id),
    messages: (id) => session.wsMessages(id),
  };
}

function thresholdOf(flags: CompareFlags): LatencyThreshold | null {
  if (flags.latencyThreshold === undefined) return null;
  return {
    ratio: parseLatencyRatio(flags.latencyThreshold),
    minChangeMs: parseDuration(flags.latencyMinChange, '--latency-min-change'),
    text: flags.latencyThreshold,
  };
}

/** The flags that say how to compare, shared by `diff` and `replay`. */
export function addCompareOptions(command: Command, latencyDefault?: string): Command {
  return (
    command
      .option('--json', 'print the differences as one JSON document')
      .option(...INCLUDE_SECRETS)
      .option('--ignore-header <name>', 'also ignore this header (repeatable; x-foo-* for a prefix)', collect)
      .option('--ignore-json-path <path>', 'also ignore this place in JSON bodies (repeatable): $.meta.generatedAt, $.items[*].price, $..nonce', collect)
      .option('--no-default-ignores', 'compare what the default rules below leave out, too')
      .option('--noise <file>', 'leave out the differences a noise file lists (replay --save-noise writes one)')
      .option('--latency-threshold <factor>', 'a p50 slowdown beyond this (2x, 1.5x, 50%) is a difference', latencyDefault)
      // 25 ms: on a busy CI machine the median of a sub-millisecond route moves by several ms
      // between runs; a gate that flakes gets switched off
      .option('--latency-min-change <time>', 'with --latency-threshold: smaller slowdowns never count', '25ms')
  );
}

export function registerDiff(program: Command): void {
  const command = program
    .command('diff')
    .description('what changed between two recordings: endpoints, statuses, headers, bodies, latency (exit 1 if anything did)')
    .argument('<a>', 'the first .tinytap session (before), or a directory of them')
    .argument('<b>', 'the second .tinytap session (after), or a directory of them (the same one, with --a-since/--b-since)')
    .argument('[filter...]', 'compare only the exchanges of both that match this filter, as in tinytap ls')
    // "-path:/x" negates a filter term; it is not an option
    .allowUnknownOption();
  addTimeOptions(addCompareOptions(command))
    .option('--noise-from <a2>', 'a second .tinytap recording of what A recorded: what differs between A and it is noise')
    .option('--a-since <time>', 'A: only exchanges from TIME on (A may be a directory: two time ranges of one history compare)')
    .option('--a-until <time>', 'A: only exchanges up to TIME')
    .option('--b-since <time>', 'B: only exchanges from TIME on')
    .option('--b-until <time>', 'B: only exchanges up to TIME')
    .addHelpText('after', DEFAULTS_HELP)
    .action((fileA: string, fileB: string, filter: string[], flags: DiffFlags, command: Command) => {
      // an output cut short must not read as "differs" (1)
      setOutputFailureStatus(EXIT_ERROR);
      try {
        checkCompareFlags(flags, command);
        process.exitCode = runDiff(fileA, fileB, filter, flags);
      } catch (err) {
        // every error, a user's or not, must read as "could not compare", never as "differs"
        process.exitCode = reportError(err instanceof CliError ? new CliError(err.message, EXIT_ERROR) : err, EXIT_ERROR);
      }
    });
}

/** Usage errors of the compare flags, before any work. */
export function checkCompareFlags(flags: CompareFlags, command: Command): void {
  // it has a default: only a value typed on the command line can be a mistake
  if (flags.latencyThreshold === undefined && command.getOptionValueSource('latencyMinChange') === 'cli')
    throw new UsageError('--latency-min-change is for --latency-threshold: without a threshold no slowdown counts as a difference');
  checkIgnoredHeaders(flags.ignoreHeader);
}

/** The ignore rules the flags say, with the recordings' time window. */
export function rulesOf(flags: CompareFlags, sessions: Session[]): IgnoreRules {
  return new IgnoreRules({
    headers: flags.ignoreHeader,
    jsonPaths: flags.ignoreJsonPath,
    defaults: flags.defaultIgnores,
    timeWindow: recordedWindow(sessions),
  });
}

/** The noise a --noise file lists; a user's error when it cannot be read. */
export function noiseFromFile(file: string | undefined): NoiseEntry[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readSmallFile(file, NOISE_FILE_BYTES);
  } catch (err) {
    throw new UsageError(`cannot read --noise ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseNoiseFile(text);
  } catch (err) {
    if (err instanceof NoiseFileError) throw new UsageError(`--noise ${file} is not a noise file tinytap can use: ${err.message}`);
    throw err;
  }
}

/** Compare, leave out the noise, print; the exit code. */
export function compareAndReport(a: DiffSource, b: DiffSource, files: { a: string; b: string; filter: string }, rules: IgnoreRules, noise: NoiseEntry[], flags: CompareFlags, label = 'comparing', extra: Record<string, unknown> = {}, requests = true): { report: DiffReport; exit: number } {
  const bar = progressBar(label);
  let report: DiffReport;
  try {
    report = diffSessions(a, b, { rules, latencyThreshold: thresholdOf(flags), requests, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.done();
  }
  report = withoutNoise(report, noise);
  if (flags.json) {
    const secrets = secretFilter(flags);
    writeLine(stdout, json({ ...extra, ...diffReportJson(sharedReport(report, secrets), files) }));
    sayWhatWasLeftOut(secrets);
  } else writeLine(stdout, joinText(formatReport(report, files, useColor())));
  return { report, exit: report.differs ? EXIT_DIFFERS : EXIT_SAME };
}

/** When the two recordings' exchanges happened, widened by a day: a time within it is noise. */
function recordedWindow(sessions: Session[]): TimeWindow | undefined {
  let from = Infinity;
  let to = -Infinity;
  for (const s of sessions) {
    const r = s.exchangeTimeRange();
    if (!r) continue;
    from = Math.min(from, Number(r.first / 1_000_000n));
    to = Math.max(to, Number(r.last / 1_000_000n));
  }
  return Number.isFinite(from) ? timeWindow(from, to) : undefined;
}

/** An HTTP field name (RFC 9110 §5.1, a token), or a prefix of one ending in '*'. */
const HEADER_NAME_PATTERN = /^[!#$%&'+.^_`|~0-9A-Za-z-]+\*?$/;

function checkIgnoredHeaders(names: string[] = []): void {
  for (const name of names)
    if (!HEADER_NAME_PATTERN.test(name.trim()))
      throw new UsageError(`bad --ignore-header '${name}': use a header name, like x-request-id, or a prefix of names, like x-b3-*`);
}

function runDiff(fileA: string, fileB: string, filter: string[], flags: DiffFlags): number {
  const arg = parseFilterArg(filter, flags);
  const sided = [flags.aSince, flags.aUntil, flags.bSince, flags.bUntil].some((v) => v !== undefined);
  if (sided || isDirectory(fileA) || isDirectory(fileB)) {
    if (flags.noiseFrom !== undefined) throw new UsageError('--noise-from compares two files: give files, not directories or time ranges (or learn the noise into a file with replay --save-noise)');
    return runHistoryDiff(fileA, fileB, filter, arg, flags);
  }
  const fileNoise = noiseFromFile(flags.noise);
  const a = openSession(fileA);
  try {
    const b = openSession(fileB);
    try {
      const fa = compileFilterArg(a, arg);
      const fb = compileFilterArg(b, arg);
      const noise = [...fileNoise, ...(flags.noiseFrom ? learnedNoise(a, fa, flags.noiseFrom, arg, flags) : [])];
      // every pair is loaded by id from both files: one read of each for them all
      const compare = () => compareAndReport(sourceOf(a, fa), sourceOf(b, fb), { a: fileA, b: fileB, filter: fa.text }, rulesOf(flags, [a, b]), noise, flags).exit;
      return a.inOneRead(() => b.inOneRead(compare));
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}

const isDirectory = (p: string) => !!lstatSync(p, { throwIfNoEntry: false })?.isDirectory();

/** A diff where a side is a directory or a time range: each side a history (history-diff.ts). */
function runHistoryDiff(pathA: string, pathB: string, filter: string[], arg: FilterArg, flags: DiffFlags): number {
  const now = new Date();
  const argA = sideFilter(arg, flags.aSince, flags.aUntil, filter, 'a');
  const argB = sideFilter(arg, flags.bSince, flags.bUntil, filter, 'b');
  const a = openHistory([pathA]);
  try {
    const b = openHistory([pathB]);
    try {
      const span = { first: null as bigint | null, last: null as bigint | null };
      const sa = historySource(a, argA, now, span);
      const sb = historySource(b, argB, now, span);
      // the window of times that are noise is known once the summaries are read: the rules ask for it later
      const rules = new IgnoreRules({
        headers: flags.ignoreHeader,
        jsonPaths: flags.ignoreJsonPath,
        defaults: flags.defaultIgnores,
        timeWindow: lazyWindow(span),
      });
      const names = { a: sideName(pathA, flags.aSince, flags.aUntil), b: sideName(pathB, flags.bSince, flags.bUntil), filter: arg.text };
      return compareAndReport(sa, sb, names, rules, noiseFromFile(flags.noise), flags).exit;
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}

/**
 * The recordings' window of times (noise-values.ts), read when the rules first ask: by then both
 * sides' summaries, which widen `span`, have been read.
 */
function lazyWindow(span: { first: bigint | null; last: bigint | null }): TimeWindow {
  const now = () => (span.first === null || span.last === null ? timeWindow(0, 0) : timeWindow(Number(span.first / 1_000_000n), Number(span.last / 1_000_000n)));
  return {
    get fromMs() {
      return now().fromMs;
    },
    get toMs() {
      return now().toMs;
    },
  };
}

/** A side as the report names it: its path, and its range. */
function sideName(path: string, since: string | undefined, until: string | undefined): string {
  if (since === undefined && until === undefined) return path;
  return `${path} (${since ?? 'start'} to ${until ?? 'end'})`;
}

/** What differs between A and a second recording of the same requests. */
function learnedNoise(a: Session, fa: CompiledArg, fileA2: string, arg: ReturnType<typeof parseFilterArg>, flags: DiffFlags): NoiseEntry[] {
  const a2 = openSession(fileA2);
  try {
    const f2 = compileFilterArg(a2, arg);
    const bar = progressBar('learning noise');
    try {
      const learn = () => diffSessions(sourceOf(a, fa), sourceOf(a2, f2), { rules: rulesOf(flags, [a, a2]), latencyThreshold: null, onProgress: (d, t) => bar.update(d, t) });
      const report = a.inOneRead(() => a2.inOneRead(learn));
      return noiseEntries(report);
    } finally {
      bar.done();
    }
  } finally {
    a2.close();
  }
}

/**
 * The report for --json, its credentials (src/export/secrets.ts) replaced unless `secrets`
 * keeps them: the values of headers that are, and of JSON members named like one.
 */
function sharedReport(r: DiffReport, secrets: SecretFilter): DiffReport {
  if (secrets.keep) return r;
  const header = (name: string, v: string | null) => (v === null ? null : secrets.headerOrPlaceholder(name, v));
  const shared = (d: Difference): Difference => {
    if (d.kind === 'header') return { ...d, a: header(d.name, d.a), b: header(d.name, d.b) };
    if (d.kind !== 'body-json' && d.kind !== 'ws-json') return d;
    const out = { ...d };
    if ('a' in d) out.a = secrets.jsonAt(d.path, d.a);
    if ('b' in d) out.b = secrets.jsonAt(d.path, d.b);
    return out;
  };
  return { ...r, differences: r.differences.map(shared) };
}

// ---- the report on a terminal -------------------------------------------------------------

interface Paint {
  bold(s: TextPart): TerminalText;
  dim(s: TextPart): TerminalText;
  a(s: TextPart): TerminalText;
  b(s: TextPart): TerminalText;
  warn(s: TextPart): TerminalText;
}

function painter(color: boolean): Paint {
  return {
    bold: (s) => paint(color, '1', s),
    dim: (s) => paint(color, '2', s),
    a: (s) => paint(color, '31', s),
    b: (s) => paint(color, '32', s),
    warn: (s) => paint(color, '33', s),
  };
}

const ms = (v: number) => formatDurationMs(v);

/** A JSON value from a body, on one line (escaped where it is written). */
function jsonValue(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

function pairsNote(d: { pairs: number; of: number; example: { a: number | string; b: number | string } }, p: Paint): TerminalText {
  return p.dim(`  (${d.pairs === d.of ? (d.of === 1 ? 'the pair' : `all ${d.of} pairs`) : `${d.pairs} of ${d.of} pairs`}, e.g. #${d.example.a} ↔ #${d.example.b})`);
}

/** A change in a JSON value (a body's or a WebSocket message's): `+ path = b`, `- path = a`, `path: a → b`. */
function jsonChangeText(d: { change: JsonChangeKind; path: string; a?: unknown; b?: unknown }, p: Paint): TerminalText {
  if (d.change === 'added') return term`${p.b('+')} ${d.path} = ${p.b(jsonValue(d.b))}`;
  if (d.change === 'removed') return term`${p.a('-')} ${d.path} = ${p.a(jsonValue(d.a))}`;
  return term`${d.path}: ${p.a(jsonValue(d.a))} → ${p.b(jsonValue(d.b))}${d.change === 'type' ? p.dim(' (type changed)') : ''}`;
}

/** The lines of one difference, without its endpoint; every value from a body or a header escaped by `term`. */
function differenceLines(d: Difference, p: Paint): TerminalText[] {
  switch (d.kind) {
    case 'only-in-a':
    case 'only-in-b':
      return [];
    case 'count':
      // a query's extra runs are what matters (an N+1 grew); an HTTP endpoint's are not compared
      return [term`occurs ${p.a(String(d.a))} times in A, ${p.b(String(d.b))} in B${d.call ? '' : term` ${p.dim('(the extra ones are not compared)')}`}`];
    case 'status':
      return [term`status ${p.a(String(d.a))} → ${p.b(String(d.b))}${pairsNote(d, p)}`];
    case 'response':
      return [term`${d.change === 'removed' ? 'response in A only: B got none' : 'response in B only: A got none'}${pairsNote(d, p)}`];
    case 'header': {
      const name = d.name;
      const what =
        d.change === 'added'
          ? term`${p.b('+')} ${name}: ${p.b(d.b ?? '')}`
          : d.change === 'removed'
            ? term`${p.a('-')} ${name}: ${p.a(d.a ?? '')}`
            : term`${name}: ${p.a(d.a ?? '')} → ${p.b(d.b ?? '')}`;
      return [term`${d.message} header ${what}${pairsNote(d, p)}`];
    }
    case 'body-json':
      return [term`${d.message} body ${jsonChangeText(d, p)}${pairsNote(d, p)}`];
    case 'body-json-omitted':
      return [term`${d.message} body: ${formatCount(d.count)} more JSON changes not listed${pairsNote(d, p)}`];
    case 'body-text': {
      const counts =
        d.linesRemoved === null ? 'too different (or too large) for a line diff' : `${d.linesRemoved} lines removed, ${d.linesAdded} added`;
      return [
        term`${d.message} body (text): ${counts}${pairsNote(d, p)}`,
        ...d.removed.map((l) => term`  ${p.a(`- ${l}`)}`),
        ...d.added.map((l) => term`  ${p.b(`+ ${l}`)}`),
      ];
    }
    case 'body-binary':
      return [
        term`${d.message} body (binary): ${p.a(`${formatBytes(d.a.size)} sha256 ${d.a.sha256.slice(0, 12)}`)} → ${p.b(`${formatBytes(d.b.size)} sha256 ${d.b.sha256.slice(0, 12)}`)}${pairsNote(d, p)}`,
      ];
    case 'body-type':
      return [term`${d.message} body: ${p.a(d.a)} → ${p.b(d.b)}${pairsNote(d, p)}`];
    case 'body-partial':
      return [
        term`${d.message} body, not wholly captured: ${p.a(`${formatBytes(d.a.size)} (${formatBytes(d.a.captured)} captured)`)} → ${p.b(`${formatBytes(d.b.size)} (${formatBytes(d.b.captured)} captured)`)}${pairsNote(d, p)}`,
      ];
    case 'omitted':
      return [p.dim(`… and ${formatCount(d.count)} more kinds of difference`)];
    case 'ws-messages':
      return [
        term`websocket ${d.change === 'added' ? p.b(`+${d.count}`) : p.a(`-${d.count}`)} message${d.count === 1 ? '' : 's'} ${d.shape} ${p.dim(d.change === 'added' ? '(more in B)' : '(more in A)')}${pairsNote(d, p)}`,
      ];
    case 'ws-json':
      return [term`websocket ${d.shape} ${jsonChangeText(d, p)}${pairsNote(d, p)}`];
    case 'ws-content':
      return [term`websocket ${d.shape}: ${p.a(d.a)} → ${p.b(d.b)}${pairsNote(d, p)}`];
    case 'ws-omitted':
      return [p.dim(`websocket: ${formatCount(d.count)} messages past the first ${formatCount(DIFF_MESSAGE_LIMIT)} not compared`)];
    case 'latency':
      return [p.warn(`slower: p50 ${ms(d.a.p50Ms)} → ${ms(d.b.p50Ms)} (+${ms(d.changeMs)}, ${Number.isFinite(d.ratio) ? `${d.ratio.toFixed(1)}×` : '∞'})`)];
  }
}

function endpointTitle(e: EndpointReport, p: Paint): TerminalText {
  const name = e.endpoint;
  if (e.b === 0) return term`${p.a('-')} ${p.bold(name)}  ${p.a(`only in A (${e.a})`)}`;
  if (e.a === 0) return term`${p.b('+')} ${p.bold(name)}  ${p.b(`only in B (${e.b})`)}`;
  // database calls are counted and timed, not compared pair by pair
  if (e.call) return term`  ${p.bold(name)}  ${p.dim(`${e.a} in A, ${e.b} in B`)}`;
  return term`  ${p.bold(name)}  ${p.dim(`${e.pairs} ${e.pairs === 1 ? 'pair' : 'pairs'}`)}`;
}

function latencyLines(r: DiffReport, p: Paint, color: boolean): TerminalText[] {
  const rows = r.endpoints.filter((e) => e.latency.changeMs !== null);
  if (rows.length === 0) return [];
  rows.sort((x, y) => Math.abs(y.latency.changeMs!) - Math.abs(x.latency.changeMs!));
  const shown = rows.slice(0, LATENCY_ROWS);
  const change = (e: EndpointReport) => {
    const c = e.latency.changeMs!;
    const ratio = e.latency.ratio!;
    return `${c >= 0 ? '+' : '−'}${ms(Math.abs(c))}${Number.isFinite(ratio) ? ` ${ratio.toFixed(2)}×` : ''}`;
  };
  const lines = table(
    shown,
    [
      { title: 'ENDPOINT', value: (e) => e.endpoint, flex: true, min: 16 },
      { title: 'N A', value: (e) => String(e.latency.a!.count), right: true },
      { title: 'P50 A', value: (e) => ms(e.latency.a!.p50Ms), right: true },
      { title: 'P95 A', value: (e) => ms(e.latency.a!.p95Ms), right: true },
      { title: 'N B', value: (e) => String(e.latency.b!.count), right: true },
      { title: 'P50 B', value: (e) => ms(e.latency.b!.p50Ms), right: true },
      { title: 'P95 B', value: (e) => ms(e.latency.b!.p95Ms), right: true },
      { title: 'P50 CHANGE', value: change, right: true, color: (e) => (e.latency.exceeds ? '33' : null) },
    ],
    Math.min(terminalWidth(), 140),
    color,
  );
  const title = r.latencyThreshold
    ? `Latency, biggest changes first (a p50 slowdown beyond ${r.latencyThreshold.text} and ${ms(r.latencyThreshold.minChangeMs)} counts as a difference)`
    : 'Latency, biggest changes first (reported only: --latency-threshold makes a slowdown a difference)';
  const more = rows.length > shown.length ? [p.dim(`  … ${rows.length - shown.length} more endpoints (--json lists them all)`)] : [];
  return [p.bold(title), ...lines.map((l) => term`  ${l}`), ...more];
}

export function formatReport(r: DiffReport, files: { a: string; b: string; filter: string }, color: boolean): TerminalText[] {
  const p = painter(color);
  const out: TerminalText[] = [];
  const blank = term``;
  out.push(term`${p.a('A')} ${files.a} (${formatCount(r.a.exchanges)} exchanges)   ${p.b('B')} ${files.b} (${formatCount(r.b.exchanges)} exchanges)`);
  if (files.filter) out.push(p.dim(`both filtered by: ${files.filter}`));
  out.push(blank);
  const byEndpoint = new Map<string, Difference[]>();
  for (const d of r.differences) {
    const list = byEndpoint.get(d.endpoint);
    if (list) list.push(d);
    else byEndpoint.set(d.endpoint, [d]);
  }
  for (const e of r.endpoints) {
    const diffs = byEndpoint.get(e.endpoint);
    if (!diffs) continue;
    out.push(endpointTitle(e, p));
    for (const d of diffs) out.push(...differenceLines(d, p).map((l) => term`    ${l}`));
  }
  if (byEndpoint.size === 0) out.push(term`no differences`);
  out.push(blank);
  out.push(...latencyLines(r, p, color));
  const pairs = r.endpoints.reduce((n, e) => n + e.pairs, 0);
  const identical = r.endpoints.reduce((n, e) => n + e.identical, 0);
  const both = r.endpoints.filter((e) => e.a && e.b).length;
  out.push(blank);
  out.push(
    term`${r.differences.length === 0 ? 'no differences' : `${formatCount(r.differences.length)} ${r.differences.length === 1 ? 'difference' : 'differences'} in ${formatCount(byEndpoint.size)} of ${formatCount(r.endpoints.length)} endpoints`}; ${formatCount(both)} endpoints in both, ${formatCount(pairs)} pairs compared, ${formatCount(identical)} identical`,
  );
  if (r.unreadable) out.push(p.warn(`${formatCount(r.unreadable)} pairs could not be read back from their files and were not compared`));
  const silenced = Object.entries(r.silenced);
  if (silenced.length)
    out.push(p.dim(`left out as noise: ${silenced.map(([rule, n]) => `${rule} ×${formatCount(n)}`).join(', ')} (--no-default-ignores compares them)`));
  return out;
}
