/**
 * tinytap replay SESSION [FILTER] --target URL: send the recorded requests again, record what
 * comes back into a new session, and print what changed (the diff engine of `tinytap diff`).
 * Exit 0 when nothing differs, 1 when something does, 2 on an error: a CI job gates on it.
 *
 * Safety first, because this sends requests to a server: only safe methods unless --unsafe,
 * only to this machine unless --allow-remote (the target's name is resolved once and its
 * addresses checked; the connection goes to the address checked).
 */
import type { Command } from 'commander';
import { lookup } from 'node:dns/promises';
import { basename, dirname, join } from 'node:path';

import { Capture, defaultCaptureOptions } from '../record/capture.js';
import { ownSocketsBinding } from '../record/own-sockets.js';
import { sudoOwner } from '../files/owner.js';
import { writePrivateFile } from '../files/private-file.js';
import type { DiffSource } from '../diff/index.js';
import { type NoiseEntry, diffSessions, noiseEntries, noiseFileText } from '../diff/index.js';
import type { ExchangeRef } from '../diff/match-endpoints.js';
import type { RouteSource } from '../diff/route-template.js';
import { FollowValues, type Substitution, placeText } from '../replay/follow-values.js';
import { type RequestEdits, type SkipReason, parseHeaderFlag, requestParts, sendsHttp2, skipReason } from '../replay/replay-request.js';
import { type PlannedRequest, type RequestOutcome, runReplay } from '../replay/run-replay.js';
import { type Target, TargetError, TargetTable, isLoopbackAddress, parseMapping, parseTarget } from '../replay/targets.js';
import type { Session } from '../session/session.js';
import { formatCount } from '../render/format.js';
import { type TerminalText, term } from '../render/terminal-text.js';
import { CliError, reportError } from './errors.js';
import { type CompareFlags, EXIT_ERROR, addCompareOptions, checkCompareFlags, compareAndReport, noiseFromFile, rulesOf } from './diff.js';
import { type CompiledArg, compileFilterArg, parseFilterArg } from './filter-arg.js';
import { type TimeFlags, addTimeOptions } from './time-flags.js';
import { openSession } from './open-session.js';
import { setOutputFailureStatus } from './stdout.js';
import { progressBar, stderr, writeLine } from './terminal.js';
import { UsageError, parseCount, parseDuration } from './units.js';

interface ReplayFlags extends CompareFlags, TimeFlags {
  target?: string;
  map?: string[];
  output?: string;
  force?: boolean;
  unsafe?: boolean;
  allowRemote?: boolean;
  keepHost?: boolean;
  header?: string[];
  dropHeader?: string[];
  concurrency: string;
  speed?: string;
  rate?: string;
  timeout: string;
  insecure?: boolean;
  http1?: boolean;
  followValues?: boolean;
  learnNoise?: boolean;
  saveNoise?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Substitutions listed on the terminal; the count says how many more. */
const SHOWN_SUBSTITUTIONS = 20;
/** Requests with bodies up to this size are made once, in the planning pass, and kept until sent. */
const KEPT_BODY_BYTES = 16 << 10;
/** Failed requests listed on the terminal. */
const SHOWN_FAILURES = 10;

export function registerReplay(program: Command): void {
  const command = program
    .command('replay')
    .description('send recorded requests again, record the responses, and print what changed (exit 1 if anything did)')
    .argument('<session>', 'the .tinytap session whose requests to send')
    .argument('[filter...]', 'send only the exchanges that match this filter, as in tinytap ls')
    .allowUnknownOption()
    .option('--target <url>', 'send every request here (http://127.0.0.1:9090, https://localhost:8443/prefix)')
    .option('--map <recorded=url>', 'send the requests of one recorded server here (127.0.0.1:8080=http://localhost:9090; repeatable)', collect)
    .option('-o, --output <file>', 'the replay\'s session file (default: SESSION.replay-TIME.tinytap beside SESSION)')
    .option('--force', 'replace your own file at --output')
    .option('--unsafe', 'also send POST, PUT, PATCH, DELETE and other methods that change things on the server')
    .option('--allow-remote', 'allow a target that is not this machine')
    .option('--keep-host', 'send the recorded Host header, not the target\'s')
    .option('--header <field>', "set a header on every request, replacing the recorded one ('Authorization: Bearer …'; repeatable)", collect)
    .option('--drop-header <name>', 'remove a header from every request (repeatable)', collect)
    .option('--concurrency <n>', 'requests in flight at once (1 keeps the recorded order)', '1')
    .option('--speed <factor>', 'keep the recorded gaps between requests, scaled: 1x as recorded, 2x twice as fast')
    .option('--rate <n/s>', 'start at most this many requests per second')
    .option('--timeout <time>', 'give up on a response after this long', '30s')
    .option('--insecure', 'accept any TLS certificate from an https:// target')
    .option('--http1', 'send HTTP/2 recordings as HTTP/1.1 requests (gRPC calls are then skipped)')
    .option('--follow-values', 'carry values a response gave (an id, a token, a cookie) into the later requests that used them')
    .option('--learn-noise', 'replay twice: what differs between the two runs is noise, left out of the comparison')
    .option('--save-noise <file>', 'with --learn-noise: write the noise learned to this file, for --noise later');
  // a replay's recorded timings are another machine's, or a busier moment's: a route counts as
  // slower when its median doubles and grows by 50 ms, not by any jitter
  addTimeOptions(addCompareOptions(command, '2x'));
  command.setOptionValueWithSource('latencyMinChange', '50ms', 'default');
  command.action(async (file: string, filter: string[], flags: ReplayFlags, cmd: Command) => {
    setOutputFailureStatus(EXIT_ERROR);
    try {
      process.exitCode = await runReplayCommand(file, filter, flags, cmd);
    } catch (err) {
      process.exitCode = reportError(err instanceof CliError ? new CliError(err.message, EXIT_ERROR) : err, EXIT_ERROR);
    }
  });
}

function parseSpeed(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(x|%)?$/i.exec(text.trim());
  const v = m ? (m[2] === '%' ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`bad --speed '${text}': use a factor such as 1x, 2x, 0.5x or 200%`);
  return v;
}

function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  const v = m ? Number(m[1]) : NaN;
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`bad --rate '${text}': use requests per second, such as 50 or 50/s`);
  return v;
}

function editsOf(flags: ReplayFlags): RequestEdits {
  const set = (flags.header ?? []).map((h) => {
    const field = parseHeaderFlag(h);
    if (!field) throw new UsageError(`bad --header '${h}': use 'Name: value' on one line`);
    return field;
  });
  const drop = new Set((flags.dropHeader ?? []).map((n) => n.trim().toLowerCase()));
  return { keepHost: !!flags.keepHost, set, drop };
}

function targetsOf(flags: ReplayFlags): TargetTable {
  try {
    return new TargetTable(flags.target ? parseTarget(flags.target) : null, (flags.map ?? []).map(parseMapping));
  } catch (err) {
    if (err instanceof TargetError) throw new UsageError(err.message);
    throw err;
  }
}

/** Each target's name resolved once: the address connected to, checked to be this machine's. */
async function resolveTargets(targets: Target[], allowRemote: boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const t of targets) {
    let addresses: { address: string }[];
    try {
      addresses = await lookup(t.host, { all: true });
    } catch {
      throw new UsageError(`cannot resolve the target ${t.text}: check the host name`);
    }
    const remote = addresses.filter((a) => !isLoopbackAddress(a.address));
    if (remote.length && !allowRemote)
      throw new UsageError(`the target ${t.text} is not this machine (${remote[0].address}): replay sends to loopback only unless you add --allow-remote`);
    if (addresses.length === 0) throw new UsageError(`cannot resolve the target ${t.text}: check the host name`);
    out.set(t.text, addresses[0].address);
  }
  return out;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function defaultReplayOutput(session: string, now = new Date()): string {
  const name = basename(session).replace(/\.tinytap$/, '');
  return join(dirname(session), `${name}.replay-${stamp(now)}.tinytap`);
}

interface Plan {
  requests: PlannedRequest[];
  skipped: Map<SkipReason, number>;
  selected: number;
  follow: FollowValues | null;
  /** Recorded servers without a target (--map), for the hint. */
  unmapped: Set<string>;
}

/** The first pass over the recording: what is sent, what is skipped, which values link requests. */
function planOf(session: Session, f: CompiledArg, table: TargetTable, flags: ReplayFlags, edits: RequestEdits): Plan {
  const plan: Plan = { requests: [], skipped: new Map(), selected: 0, follow: flags.followValues ? new FollowValues() : null, unmapped: new Set() };
  for (const ex of session.iterateWholeExchanges({ where: f.where, params: f.params })) {
    plan.selected++;
    const target = table.targetOf({ addr: ex.server.addr, port: ex.server.port, host: ex.request.host || null });
    const why = skipReason(ex, !!flags.unsafe, target, !!flags.http1);
    if (why) {
      plan.skipped.set(why, (plan.skipped.get(why) ?? 0) + 1);
      if (why === 'no target') plan.unmapped.add(ex.server.addr ? `${ex.server.addr}:${ex.server.port}` : ex.request.host);
      continue;
    }
    const position = plan.requests.length;
    const parts = requestParts(ex, target!, edits);
    // a small request is kept from this pass: loading each exchange again costs more than sending it
    plan.requests.push({ position, exchangeId: ex.id, startedNs: ex.request.startedNs, target: target!, http2: sendsHttp2(ex, !!flags.http1), ...(parts.body.length <= KEPT_BODY_BYTES ? { parts } : {}) });
    plan.follow?.learn(position, parts, ex.response ? { headers: ex.response.headers, body: ex.response.body.captured } : null);
  }
  return plan;
}

const SKIP_HINTS: Partial<Record<SkipReason, string>> = {
  'unsafe method': '--unsafe sends them',
  'no target': 'a --map for their server sends them',
};

function summaryLines(plan: Plan, outcomes: RequestOutcome[], output: string, stopped: boolean): TerminalText[] {
  const lines: TerminalText[] = [];
  const sent = outcomes.filter((o) => o.localPort !== null).length;
  const failed = outcomes.filter((o) => o.error !== null);
  lines.push(
    term`replayed ${formatCount(sent)} of ${formatCount(plan.selected)} selected requests → ${output}${stopped ? ` (stopped: ${formatCount(plan.requests.length - outcomes.length)} not sent)` : ''}`,
  );
  if (plan.skipped.size) {
    const parts = [...plan.skipped].map(([why, n]) => `${formatCount(n)} ${why}${SKIP_HINTS[why] ? ` (${SKIP_HINTS[why]})` : ''}`);
    lines.push(term`skipped ${formatCount([...plan.skipped.values()].reduce((a, b) => a + b, 0))}: ${parts.join(', ')}`);
    if (plan.unmapped.size) lines.push(term`  servers without a target: ${[...plan.unmapped].slice(0, 5).join(', ')}${plan.unmapped.size > 5 ? ', …' : ''}`);
  }
  if (failed.length) {
    lines.push(term`failed ${formatCount(failed.length)}:`);
    for (const o of failed.slice(0, SHOWN_FAILURES)) lines.push(term`  #${String(o.exchangeId)}: ${o.error ?? ''}`);
    if (failed.length > SHOWN_FAILURES) lines.push(term`  … ${formatCount(failed.length - SHOWN_FAILURES)} more`);
  }
  if (plan.follow) {
    const subs = outcomes.flatMap((o) => o.substitutions.map((s) => ({ o, s })));
    // one line per value carried from one place to another, however many requests it went into
    const groups = new Map<string, { s: Substitution; ids: number[] }>();
    for (const { o, s } of subs) {
      const key = [placeText(s.link.used), s.link.value, s.replayed, s.link.from, placeText(s.link.given)].join('\0');
      const g = groups.get(key) ?? { s, ids: [] };
      g.ids.push(o.exchangeId);
      groups.set(key, g);
    }
    lines.push(term`carried over ${formatCount(subs.length)} ${subs.length === 1 ? 'value' : 'values'} (${formatCount(plan.follow.linkCount)} links found in the recording)`);
    const shown = [...groups.values()];
    for (const g of shown.slice(0, SHOWN_SUBSTITUTIONS)) lines.push(substitutionLine(plan, g.s, g.ids));
    if (shown.length > SHOWN_SUBSTITUTIONS) lines.push(term`  … ${formatCount(shown.length - SHOWN_SUBSTITUTIONS)} more (--json lists them all)`);
  }
  lines.push(term`compared: the responses (the requests sent are the recording's, with the changes above)`);
  return lines;
}

function substitutionLine(plan: Plan, s: Substitution, ids: number[]): TerminalText {
  const from = plan.requests[s.link.from]?.exchangeId;
  const into = ids.length <= 3 ? ids.map((id) => `#${id}`).join(', ') : `#${ids[0]} … #${ids[ids.length - 1]} (${formatCount(ids.length)} requests)`;
  return term`  ${placeText(s.link.used)}: ${s.link.value} → ${s.replayed}  into ${into}, from #${String(from)} ${placeText(s.link.given)}`;
}

function substitutionsJson(plan: Plan, outcomes: RequestOutcome[]) {
  return outcomes.flatMap((o) =>
    o.substitutions.map((s) => ({
      exchange: o.exchangeId,
      at: placeText(s.link.used),
      recorded: s.link.value,
      replayed: s.replayed,
      from: { exchange: plan.requests[s.link.from]?.exchangeId, at: placeText(s.link.given) },
    })),
  );
}

/**
 * The recorded side: the exchanges the replay tried to send, in order. One that could not be
 * sent (its connection failed) has nothing to pair with: the report says so.
 */
function recordedSource(session: Session, f: CompiledArg, outcomes: RequestOutcome[]): DiffSource {
  const sent = new Set(outcomes.map((o) => o.exchangeId));
  return {
    *summaries() {
      for (const s of session.iterateExchanges({ where: f.where, params: f.params })) if (sent.has(Number(s.id))) yield s;
    },
    exchange: (id) => session.exchange(id),
    messages: (id) => session.wsMessages(id),
  };
}

/**
 * The replayed side, in the order of the recorded exchanges it answers (whatever order the
 * concurrent requests ended in): an exchange is found by its connection's local port and its
 * position on it. Each answers one recorded exchange by construction, so it is matched under
 * that exchange's endpoint: a path the replay had to escape (a space from an HTTP/2 :path) is
 * still the same request.
 */
function replayedSource(session: Session, outcomes: RequestOutcome[], routes: Map<number, RouteSource>): DiffSource {
  return {
    *summaries() {
      const byPlace = new Map<string, ExchangeRef>();
      for (const s of session.iterateExchanges()) byPlace.set(`${Number(s.client_port)}:${Number(s.seq)}`, s);
      for (const o of outcomes) {
        if (o.localPort === null) continue;
        const s = byPlace.get(`${o.localPort}:${o.seq}`);
        if (!s) continue;
        const route = routes.get(o.exchangeId);
        yield route ? { ...s, ...route } : s;
      }
    },
    exchange: (id) => session.exchange(id),
    messages: (id) => session.wsMessages(id),
  };
}

/** The route of every recorded exchange sent: the replayed ones are matched under it. */
function recordedRoutes(session: Session, f: CompiledArg, outcomes: RequestOutcome[]): Map<number, RouteSource> {
  const sent = new Set(outcomes.map((o) => o.exchangeId));
  const routes = new Map<number, RouteSource>();
  for (const s of session.iterateExchanges({ where: f.where, params: f.params }))
    if (sent.has(Number(s.id))) routes.set(Number(s.id), { method: s.method, path: s.path, query: s.query, url: s.url });
  return routes;
}

interface RunResult {
  outcomes: RequestOutcome[];
  stopped: boolean;
}

/** One run of the plan into the session file `output`. */
async function replayInto(output: string, plan: Plan, session: Session, flags: ReplayFlags, edits: RequestEdits, addresses: Map<string, string>, label: string): Promise<RunResult> {
  const binding = ownSocketsBinding();
  const capture = new Capture(
    defaultCaptureOptions(output, {
      create: { force: !!flags.force, owner: sudoOwner() },
      tls: false,
      sendfileBodies: false,
      commandLine: ['tinytap', ...process.argv.slice(2)],
    }),
    binding,
  );
  capture.start();
  let stopped = false;
  const onSignal = () => {
    stopped = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = progressBar(label);
  let outcomes: RequestOutcome[] = [];
  let failure: Error | null = null;
  try {
    outcomes = await runReplay(plan.requests, binding.recorder()!, {
      concurrency: parseCount(flags.concurrency, '--concurrency'),
      speed: flags.speed ? parseSpeed(flags.speed) : null,
      rate: flags.rate ? parseRate(flags.rate) : null,
      edits,
      follow: plan.follow,
      addresses,
      insecure: !!flags.insecure,
      timeoutMs: parseDuration(flags.timeout, '--timeout'),
      load: (id) => session.exchange(id),
      onOutcome: (_o, done, total) => bar.update(done, total),
      stopped: () => stopped,
    });
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  bar.done();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // the session is closed whatever happened: what was sent and received stays readable
  const ended = await capture.stop('quit');
  if (failure) throw failure;
  if (ended.error) throw new CliError(ended.error.message, EXIT_ERROR);
  return { outcomes, stopped };
}

async function runReplayCommand(file: string, filter: string[], flags: ReplayFlags, cmd: Command): Promise<number> {
  checkCompareFlags(flags, cmd);
  if (flags.saveNoise && !flags.learnNoise) throw new UsageError('--save-noise writes what --learn-noise learned: add --learn-noise');
  const table = targetsOf(flags);
  const edits = editsOf(flags);
  // checked before anything is sent
  parseCount(flags.concurrency, '--concurrency');
  if (flags.speed) parseSpeed(flags.speed);
  if (flags.rate) parseRate(flags.rate);
  parseDuration(flags.timeout, '--timeout');
  const fileNoise = noiseFromFile(flags.noise);
  const arg = parseFilterArg(filter, flags);
  const addresses = await resolveTargets(table.targets, !!flags.allowRemote);
  const output = flags.output ?? defaultReplayOutput(file);
  const recorded = openSession(file);
  try {
    const f = compileFilterArg(recorded, arg);
    const plan = planOf(recorded, f, table, flags, edits);
    if (plan.requests.length === 0) {
      const why = plan.selected === 0 ? `no HTTP exchange in ${file} matches` : `all ${plan.selected} selected requests are skipped (${[...plan.skipped].map(([w, n]) => `${n} ${w}`).join(', ')})`;
      throw new UsageError(`nothing to replay: ${why}`);
    }
    const started = process.hrtime.bigint();
    const run = await replayInto(output, plan, recorded, flags, edits, addresses, 'replaying');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const line of summaryLines(plan, run.outcomes, output, run.stopped)) writeLine(stderr, line);
    if (run.stopped) return EXIT_ERROR;
    // nothing to compare is not "something differs": a CI job must tell a down target apart
    if (run.outcomes.every((o) => o.status === null)) throw new CliError(`no request got an answer from the target: is it running? (${run.outcomes[0]?.error ?? 'nothing sent'})`, EXIT_ERROR);

    const replayed = openSession(output);
    const routes = recordedRoutes(recorded, f, run.outcomes);
    try {
      let noise: NoiseEntry[] = fileNoise;
      if (flags.learnNoise) {
        const second = output.replace(/(\.tinytap)?$/, '.noise.tinytap');
        // the same requests again: carried-over values come from this run's own responses
        const again = await replayInto(second, { ...plan, follow: plan.follow && refollow(recorded, f, table, flags, edits) }, recorded, flags, edits, addresses, 'replaying again');
        if (again.stopped) return EXIT_ERROR;
        const twice = openSession(second);
        try {
          const report = diffSessions(replayedSource(replayed, run.outcomes, routes), replayedSource(twice, again.outcomes, routes), { rules: rulesOf(flags, [replayed, twice]), latencyThreshold: null, requests: false });
          const learned = noiseEntries(report);
          noise = [...noise, ...learned];
          writeLine(stderr, term`learned ${formatCount(learned.length)} noisy ${learned.length === 1 ? 'place' : 'places'} from a second run → ${second}`);
          if (flags.saveNoise) {
            writePrivateFile(flags.saveNoise, noiseFileText(learned, file), { replace: !!flags.force, owner: sudoOwner(), existsHint: 'choose another --save-noise, or add --force' });
            writeLine(stderr, term`noise saved to ${flags.saveNoise} (use it with --noise)`);
          }
        } finally {
          twice.close();
        }
      }
      const files = { a: file, b: output, filter: f.text };
      const sent = run.outcomes.filter((o) => o.localPort !== null).length;
      const extra = { replay: { output, sent, seconds, requestsPerSecond: sent / seconds, skipped: Object.fromEntries(plan.skipped), failed: run.outcomes.filter((o) => o.error).map((o) => ({ exchange: o.exchangeId, error: o.error })), substitutions: substitutionsJson(plan, run.outcomes) } };
      return compareAndReport(recordedSource(recorded, f, run.outcomes), replayedSource(replayed, run.outcomes, routes), files, rulesOf(flags, [recorded, replayed]), noise, flags, 'comparing', extra, false).exit;
    } finally {
      replayed.close();
    }
  } finally {
    recorded.close();
  }
}

/** A fresh FollowValues for a second run: the links are the recording's, the values that run's. */
function refollow(session: Session, f: CompiledArg, table: TargetTable, flags: ReplayFlags, edits: RequestEdits): FollowValues {
  return planOf(session, f, table, flags, edits).follow!;
}
