/** tinytap show FILE ID: one exchange, whole. */
import type { Command } from 'commander';

import type { SecretFilter } from '../export/secrets.js';
import type { Body, Exchange, HeaderField } from '../model/exchange.js';
import { http2Line, http2Notes, tlsLine } from '../render/exchange-facts.js';
import { bodyKind, bodyNotes, readableBytes, renderBody } from '../render/body.js';
import type { Session } from '../session/session.js';
import { CliError } from './errors.js';
import { statusColor } from '../render/exchange-format.js';
import { otherHolders, where, who } from '../render/endpoint-text.js';
import { formatBytes, formatDateTime, formatDurationMs, paint, useColor } from '../render/format.js';
import { openHistory } from './open-session.js';
import { INCLUDE_SECRETS, sayWhatWasLeftOut, secretFilter } from './secrets-flag.js';
import { type TerminalText, type TextPart, escaped, json, joinText, term } from '../render/terminal-text.js';
import { stdout, writeLine } from './terminal.js';
import { UsageError, parseDuration } from './units.js';
import type { CallExchange } from '../model/exchange.js';
import { formatCall, formatChildCalls, oneLine } from '../render/call-format.js';
import type { WebSocketMessage } from '../model/ws-message.js';
import { SHOWN_MESSAGES, formatMessages } from '../render/ws-format.js';
import { grpcJson, grpcLines, grpcView } from '../render/grpc-format.js';
import type { ProtoSchema } from '../protocols/protobuf/index.js';
import { PROTO_OPTION, protoSchema } from './proto-flag.js';

interface ShowFlags {
  proto?: string;
  raw?: boolean;
  json?: boolean;
  includeSecrets?: boolean;
  full?: boolean;
  slow?: string;
}

const ms = (ns: number | null) => (ns === null ? '—' : formatDurationMs(ns / 1e6));

function headerLines(headers: HeaderField[]): TerminalText[] {
  return headers.map((h) => term`  ${h.name}: ${h.value}`);
}

function bodySection(title: string, body: Body, full: boolean): TerminalText[] {
  if (body.size === 0 && body.captured.length === 0) return [];
  const rendered = renderBody(body, { maxBytes: full ? Infinity : 64 * 1024 });
  const type = body.mimeType ?? rendered.kind;
  const enc = body.encoding ? `, ${body.encoding} → ${formatBytes(readableBytes(body).length)} decoded` : '';
  // a body's lines keep their tabs; every other control character is shown escaped
  const lines = [term`${title} (${type}, ${formatBytes(body.size)}${enc})`, ...rendered.lines.map((l) => term`  ${escaped(l, true)}`)];
  if (rendered.omitted) lines.push(term`  … ${rendered.omitted} (use --full, or tinytap export)`);
  return lines;
}

/** The exchange as text for a terminal: every captured value escaped, our colours kept. */
/** `label`: the id as the user names it (`TAG/ID` in a history of several files). */
export function formatExchange(ex: Exchange, color: boolean, full = false, schema?: ProtoSchema, label = String(ex.id)): TerminalText {
  const r = ex.request;
  const s = ex.response;
  const status = s ? paint(color, statusColor(s.status) ?? '0', `${s.status} ${s.reason}`) : paint(color, '2', 'no response');
  const out: TextPart[] = [];
  out.push(term`${paint(color, '1', `#${label}`)}  ${r.method} ${r.url}  →  ${status}  (${ms(ex.timings.totalNs)})`);
  out.push(term`client      ${who(ex.client)}  ${where(ex.client)}`);
  if (ex.client.others.length) out.push(term`            ${otherHolders(ex.client)}`);
  out.push(term`server      ${who(ex.server)}  ${where(ex.server)}`);
  if (ex.server.others.length) out.push(term`            ${otherHolders(ex.server)}`);
  if (ex.client.cgroup || ex.server.cgroup)
    out.push(term`cgroups     client ${ex.client.cgroup ?? '—'}  server ${ex.server.cgroup ?? '—'}`);
  out.push(term`connection  flow ${ex.flowId} (${ex.transport}), exchange ${ex.seq + 1} on it`);
  if (ex.tls) out.push(term`tls         ${tlsLine(ex.tls)}`);
  if (ex.http2) out.push(term`http/2      ${http2Line(ex.http2)}`);
  out.push(
    term`timing      started ${formatDateTime(r.startedNs)}  send ${ms(ex.timings.sendNs)}  wait ${ms(ex.timings.waitNs)}  receive ${ms(ex.timings.receiveNs)}  total ${ms(ex.timings.totalNs)}`,
  );
  out.push('');
  out.push(paint(color, '1', `Request  ${r.method} ${r.target} ${r.httpVersion}`));
  out.push(...headerLines(r.headers));
  if (r.trailers.length) out.push('  (trailers)', ...headerLines(r.trailers));
  // a gRPC call's bodies are its messages, shown decoded below
  if (!ex.grpc) out.push(...bodySection('Request body', r.body, full));
  for (const i of ex.informational) {
    out.push('');
    out.push(paint(color, '1', `Response  ${i.status} ${i.reason} (informational)`));
    out.push(...headerLines(i.headers));
  }
  if (s) {
    out.push('');
    out.push(paint(color, '1', `Response  ${s.httpVersion} ${s.status} ${s.reason}`));
    out.push(...headerLines(s.headers));
    if (s.trailers.length) out.push('  (trailers)', ...headerLines(s.trailers));
    if (!ex.grpc) out.push(...bodySection('Response body', s.body, full));
  }
  if (ex.grpc) out.push('', ...grpcLines(ex.grpc, grpcView(ex.grpc, schema), r.startedNs, color));
  const notes = [...bodyNotes(r.body, 'request body'), ...(s ? bodyNotes(s.body, 'response body') : [])];
  if (ex.upgrade && !ex.websocket) notes.push(`the connection switched to ${ex.upgrade} after this exchange; what followed is not HTTP`);
  if (ex.http2) notes.push(...http2Notes(ex.http2));
  if (ex.error) notes.push(`parse error in the ${ex.error.direction} at stream offset ${ex.error.offset}: ${ex.error.message}`);
  if (!s && !ex.error) notes.push('no response was captured (the server did not answer, or the capture ended first)');
  if (notes.length) {
    out.push('');
    out.push(paint(color, '33', 'Notes'));
    out.push(...notes.map((n) => term`  ${n}`));
  }
  return joinText(out);
}

function bodyJson(b: Body, secrets: SecretFilter): Record<string, unknown> {
  const bytes = readableBytes(b);
  const kind = bodyKind(b);
  const textual = kind === 'json' || kind === 'text';
  return {
    size: b.size,
    captured: b.captured.length,
    complete: b.complete,
    missing: b.missing,
    mime_type: b.mimeType,
    encoding: b.encoding,
    decode_error: b.decodeError,
    ...(textual
      ? { text: secrets.bodyText(Buffer.from(bytes).toString('utf8'), b.mimeType) }
      : { base64: Buffer.from(bytes).toString('base64') }),
  };
}

/** An end of the exchange; its command line is the program only unless `secrets` keeps it. */
function endpointJson(e: Exchange['client'], secrets: SecretFilter): Record<string, unknown> {
  const { argv, argumentsLeftOut } = secrets.commandLine(e.argv);
  return { ...e, argv, ...(argumentsLeftOut ? { argv_left_out: argumentsLeftOut } : {}) };
}

/** A WebSocket message for --json: text as text (its JSON members' secrets left out), the rest base64. */
export function wsMessageJson(m: WebSocketMessage, secrets: SecretFilter): Record<string, unknown> {
  return {
    seq: m.seq,
    dir: m.dir,
    type: m.type,
    opcode: m.opcode,
    started: new Date(Number(m.startedNs / 1_000_000n)).toISOString(),
    started_ns: String(m.startedNs),
    ended_ns: String(m.endedNs),
    frames: m.frames,
    size: m.length,
    wire_size: m.wireLength,
    compressed: m.compressed,
    complete: m.complete,
    gap: m.gap,
    cut: m.cut,
    ...(m.close ? { close: m.close } : {}),
    ...(m.text !== null
      ? { text: secrets.messageText(m.text) }
      : { base64: Buffer.from(m.payload).toString('base64') }),
    flaws: m.flaws,
  };
}

/** The exchange for --json: credentials left out unless `secrets` keeps them (src/export/secrets.ts). */
export function exchangeJson(ex: Exchange, secrets: SecretFilter, messages: WebSocketMessage[] = [], schema?: ProtoSchema): Record<string, unknown> {
  const h = (hs: HeaderField[]) => hs.map((x) => [x.name, secrets.headerOrPlaceholder(x.name, x.value)]);
  return {
    id: ex.id,
    flow: ex.flowId,
    seq: ex.seq,
    transport: ex.transport,
    client: endpointJson(ex.client, secrets),
    server: endpointJson(ex.server, secrets),
    request: {
      method: ex.request.method,
      target: secrets.url(ex.request.target),
      url: secrets.url(ex.request.url),
      http_version: ex.request.httpVersion,
      headers: h(ex.request.headers),
      trailers: h(ex.request.trailers),
      body: bodyJson(ex.request.body, secrets),
      size: ex.request.size,
      started: new Date(Number(ex.request.startedNs / 1_000_000n)).toISOString(),
      started_ns: String(ex.request.startedNs),
    },
    response: ex.response && {
      status: ex.response.status,
      reason: ex.response.reason,
      http_version: ex.response.httpVersion,
      headers: h(ex.response.headers),
      trailers: h(ex.response.trailers),
      body: bodyJson(ex.response.body, secrets),
      size: ex.response.size,
      started_ns: String(ex.response.startedNs),
    },
    informational: ex.informational.map((i) => ({ status: i.status, reason: i.reason, headers: h(i.headers) })),
    timings_ms: Object.fromEntries(Object.entries(ex.timings).map(([k, v]) => [k.replace(/Ns$/, ''), v === null ? null : v / 1e6])),
    upgrade: ex.upgrade,
    error: ex.error,
    ...(ex.http2 ? { http2: ex.http2 } : {}),
    ...(ex.websocket ? { websocket: { ...ex.websocket, messages: messages.map((m) => wsMessageJson(m, secrets)) } } : {}),
    ...(ex.grpc ? { grpc: grpcJson(ex.grpc, grpcView(ex.grpc, schema), (name, value) => secrets.headerOrPlaceholder(name, value)) } : {}),
  };
}

/** A database call for --json. */
export function callJson(c: CallExchange): Record<string, unknown> {
  return {
    id: c.id,
    flow: c.flowId,
    seq: c.seq,
    protocol: c.protocol,
    transport: c.transport,
    client: { pid: c.client.pid, comm: c.client.comm, addr: c.client.addr, port: c.client.port },
    server: { pid: c.server.pid, comm: c.server.comm, addr: c.server.addr, port: c.server.port },
    database: c.database,
    user: c.user,
    operation: c.operation,
    text: c.text,
    params: c.params,
    names: c.names,
    shape: c.shape,
    status: c.status,
    result: c.result,
    rows: c.rows,
    error_code: c.errorCode,
    error_message: c.errorMessage,
    one_way: c.oneWay,
    started_ns: String(c.startedNs),
    timings_ms: Object.fromEntries(Object.entries(c.timings).map(([k, v]) => [k.replace(/Ns$/, ''), v === null ? null : v / 1e6])),
    parent: c.parent,
    detail: c.more,
    error: c.error,
  };
}

/** "HTTP #7 GET /users (the only request node 1234 was serving)": what a call was made for. */
function parentLine(session: Session, c: CallExchange): string | null {
  if (!c.parent) return null;
  const p = session.exchanges({ where: 'x.id = ?', params: [c.parent.id] })[0];
  if (!p) return null;
  const how = c.parent.link === 'sole' ? 'the only request its process was serving' : 'one of several requests its process was serving: a best guess';
  return `HTTP #${c.parent.id} ${p.method ?? ''} ${oneLine(p.url)} (${how})`;
}

/** The bytes as they crossed the socket: the request, then the response. */
function writeRaw(session: Session, ex: Exchange): void {
  const wire = session.wireBytes(ex.id)!;
  // piped: the exact bytes; on a terminal, control characters made visible (writeBytes decides)
  stdout.writeBytes(Buffer.concat([wire.request, ...wire.informational, wire.response]));
}

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('show one exchange: processes, connection, timings, headers and bodies')
    .argument('<file>', 'a .tinytap session, or a directory of them (record --dir)')
    .argument('<id>', 'exchange id (first column of tinytap ls; TAG/ID in a directory)')
    .option('--raw', 'print the bytes as captured')
    .option('--json', 'print the exchange as JSON (bodies as text or base64)')
    .option('--full', 'do not cut long bodies')
    .option('--slow <duration>', 'mark database calls that took at least this long (e.g. 100ms)')
    .option(...PROTO_OPTION)
    .option(...INCLUDE_SECRETS)
    .action((file: string, idText: string, flags: ShowFlags) => {
      if (flags.raw && flags.json) throw new UsageError('--raw and --json cannot be used together: --json holds the bodies as text or base64, --raw the bytes as captured');
      const slowNs = flags.slow === undefined ? undefined : parseDuration(flags.slow, '--slow') * 1e6;
      const schema = protoSchema(flags.proto);
      const history = openHistory([file]);
      try {
        const { file: where, id } = history.find(idText);
        const session = history.session(where);
        const label = history.idText(where, id);
        // in a history the JSON names the exchange as ls does, and its file
        const named = (j: Record<string, unknown>) => (history.tagged ? { ...j, id: label, file: where.path } : j);
        const call = session.call(id);
        if (call) {
          if (flags.raw) stdout.writeBytes(Buffer.concat(Object.values(session.callWireBytes(id) ?? {})));
          else if (flags.json) writeLine(stdout, json(named(callJson(call))));
          else writeLine(stdout, formatCall(call, useColor(), { slowNs, parentLine: parentLine(session, call), label }));
          return;
        }
        const ex = session.exchange(id);
        if (!ex) {
          const n = session.countExchanges();
          throw new CliError(`no exchange ${label} in ${where.path}: it has ${n} (ids ${history.idText(where, 1)} to ${history.idText(where, n)}, see tinytap ls)`);
        }
        if (flags.raw) writeRaw(session, ex);
        else if (flags.json) {
          const secrets = secretFilter(flags);
          writeLine(stdout, json(named(exchangeJson(ex, secrets, ex.websocket ? session.wsMessages(id) : [], schema))));
          sayWhatWasLeftOut(secrets);
        }
        else {
          const color = useColor();
          writeLine(stdout, formatExchange(ex, color, !!flags.full, schema, label));
          if (ex.websocket) {
            const messages = session.wsMessages(id, 0, flags.full ? -1 : SHOWN_MESSAGES);
            writeLine(stdout, joinText(['', ...formatMessages(ex.websocket, messages, color, !!flags.full)]));
          }
          const calls = session.childCalls(id);
          if (calls.length) writeLine(stdout, joinText(['', formatChildCalls(calls, color, { slowNs })]));
        }
      } finally {
        history.close();
      }
    });
}
