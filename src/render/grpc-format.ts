/**
 * How a gRPC call looks: its status in a list, and in `show` (text and --json) the call whole:
 * service and method, kind, status and message, metadata, and each message with its time,
 * direction, size and content (decoded with the --proto schema when it has the method, else
 * schema-less). Every value that came from the capture goes through term`` (escaped).
 */
import type { GrpcFacts, LoadedGrpcMessage } from '../model/exchange.js';
import { type MessageContent, callContents, methodOf, statusName } from '../protocols/grpc/index.js';
import type { GrpcCallKind, HeaderList } from '../protocols/grpc/types.js';
import { type ProtoSchema, isSchemaFailure } from '../protocols/protobuf/index.js';
import { formatBytes, formatClock, formatDurationMs, paint } from './format.js';
import { contentJson } from './proto-json.js';
import { type TerminalText, safeJson, term } from './terminal-text.js';

/** A status as a list shows it: its name (NOT_FOUND), or its code when gRPC names none. */
export function grpcStatusText(code: number | bigint): string {
  return statusName(Number(code)) ?? `grpc ${code}`;
}

/** Codes that say the server or the path to it failed, rather than the request. */
const SERVER_SIDE = new Set(['UNKNOWN', 'DEADLINE_EXCEEDED', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS']);

/** SGR colour of a status: green OK, red for the server's failures, yellow for the rest. */
export function grpcStatusColor(code: number | bigint): string {
  if (Number(code) === 0) return '32';
  return SERVER_SIDE.has(statusName(Number(code)) ?? 'UNKNOWN') ? '31' : '33';
}

export interface GrpcViewMessage {
  direction: 'request' | 'response';
  /** From 1, in its direction. */
  number: number;
  message: LoadedGrpcMessage;
  content: MessageContent;
}

/** The call's messages decoded, both directions in time order, and its kind. */
export interface GrpcView {
  kind: GrpcCallKind;
  /** 'schema' when the --proto schema named the method's streaming. */
  kindSource: 'schema' | 'messages';
  /** Why a given schema was not used for this call. */
  schemaProblem?: string;
  messages: GrpcViewMessage[];
}

function kindOf(requestStream: boolean, responseStream: boolean): GrpcCallKind {
  if (requestStream) return responseStream ? 'bidirectional' : 'client-streaming';
  return responseStream ? 'server-streaming' : 'unary';
}

export function grpcView(grpc: GrpcFacts, schema?: ProtoSchema): GrpcView {
  const contents = callContents(grpc, schema);
  // an untimed message (past what the build stored) takes its direction's last time, so it
  // stays after the messages before it; the sort is stable, requests first at equal times
  const tagged = (direction: 'request' | 'response', list: LoadedGrpcMessage[], decoded: MessageContent[]) => {
    let last = -1n;
    return list.map((message, i) => {
      last = message.ns ?? last;
      return { at: last, item: { direction, number: i + 1, message, content: decoded[i] } };
    });
  };
  const messages = [...tagged('request', grpc.requests.messages, contents.requests), ...tagged('response', grpc.responses.messages, contents.responses)]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map((m) => m.item);
  const view: GrpcView = { kind: grpc.kind, kindSource: grpc.kindSource, messages };
  const method = schema ? methodOf(grpc, schema) : undefined;
  if (method && !isSchemaFailure(method)) {
    view.kind = kindOf(method.requestStream, method.responseStream);
    view.kindSource = 'schema';
  }
  if (contents.schemaProblem) view.schemaProblem = contents.schemaProblem;
  return view;
}

/** What a call's status says in one line: `NOT_FOUND (5): the message`. */
function statusLine(grpc: GrpcFacts): string {
  const s = grpc.status;
  if (!s) return 'no status seen';
  const from = s.source === 'http-status' ? ` (from HTTP ${grpc.httpStatus}: no grpc-status was sent)` : grpc.trailersOnly ? ' (Trailers-Only)' : '';
  const message = s.message !== undefined ? `: ${s.message}${s.messageCut ? ' …(cut)' : ''}` : '';
  return `${s.name ?? 'code'} (${s.code})${from}${message}`;
}

/** A message's size: the payload as sent, and as inflated when it was compressed. */
function sizeOf(m: LoadedGrpcMessage, encoding: string): string {
  const sent = formatBytes(m.length);
  return m.compressed && m.decodedLength !== undefined ? `${sent} ${encoding} → ${formatBytes(m.decodedLength)}` : sent;
}

/** What is short about a message, if anything. */
function messageNotes(m: LoadedGrpcMessage): string[] {
  const notes: string[] = [];
  if (!m.complete) notes.push('the body ended inside it');
  if (m.gap) notes.push('some of its bytes were not captured');
  if (m.cut) notes.push(`only its first ${formatBytes(m.bytes.length)} are kept`);
  return notes;
}

function metadataLines(label: string, fields: HeaderList): TerminalText[] {
  return fields.map(([name, value], i) => term`  ${i === 0 ? label.padEnd(10) : ''.padEnd(10)}  ${name}: ${value}`);
}

/** `show`'s section for a gRPC call: one line per message, its content as one line of JSON. */
export function grpcLines(grpc: GrpcFacts, view: GrpcView, startedNs: bigint, color: boolean): TerminalText[] {
  const out: TerminalText[] = [];
  const statusColor = grpc.status ? grpcStatusColor(grpc.status.code) : '2';
  out.push(term`${paint(color, '1', 'gRPC')}  ${grpc.service ?? grpc.path}/${grpc.method ?? ''} · ${view.kind} · ${paint(color, statusColor, statusLine(grpc))}`);
  out.push(...metadataLines('metadata', grpc.requestMetadata), ...metadataLines('response', grpc.responseMetadata), ...metadataLines('trailers', grpc.trailerMetadata));
  const encodings = [grpc.requests.encoding, grpc.responses.encoding];
  if (encodings.some((e) => e !== 'identity')) out.push(term`  encoding    requests ${encodings[0]} · responses ${encodings[1]}`);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  out.push(term`  messages    ${count(grpc.requests.messageCount, 'request')}, ${count(grpc.responses.messageCount, 'response')}`);
  if (view.schemaProblem) out.push(term`  schema      not used: ${view.schemaProblem}`);
  for (const m of view.messages) {
    const arrow = m.direction === 'request' ? '→' : '←';
    const when = m.message.ns === null ? 'time unknown' : `${formatClock(m.message.ns)} +${formatDurationMs(Number(m.message.ns - startedNs) / 1e6)}`;
    const encoding = m.direction === 'request' ? grpc.requests.encoding : grpc.responses.encoding;
    const typed = m.content.format === 'typed' ? ` ${m.content.type}` : '';
    out.push(term`  ${arrow} ${m.direction} ${m.number}  ${when}  ${sizeOf(m.message, encoding)}${typed}`);
    out.push(term`      ${safeJson(contentJson(m.content))}`);
    for (const note of messageNotes(m.message)) out.push(term`      (${note})`);
  }
  const listed = grpc.requests.messages.length + grpc.responses.messages.length;
  const seen = grpc.requests.messageCount + grpc.responses.messageCount;
  if (seen > listed) out.push(term`  … ${seen - listed} more messages not listed (GRPC_LIMITS.keepMessages)`);
  for (const [name, d] of [['requests', grpc.requests] as const, ['responses', grpc.responses] as const])
    if (d.lostAt !== undefined) out.push(term`  (the ${name}' framing was lost at body byte ${d.lostAt}: bytes were not captured where a message began)`);
  return out;
}

/** The call for `show --json`; metadata values through `headerValue` (secrets left out). */
export function grpcJson(grpc: GrpcFacts, view: GrpcView, headerValue: (name: string, value: string) => string): Record<string, unknown> {
  const metadata = (fields: HeaderList) => fields.map(([name, value]) => [name, headerValue(name, value)]);
  const direction = (d: GrpcFacts['requests']) => ({ count: d.messageCount, listed: d.messages.length, encoding: d.encoding, body_bytes: d.bodyBytes, lost_at: d.lostAt ?? null });
  return {
    path: grpc.path,
    service: grpc.service ?? null,
    method: grpc.method ?? null,
    kind: view.kind,
    kind_from: view.kindSource,
    content_type: grpc.contentType ?? null,
    timeout_ms: grpc.timeoutMs ?? null,
    status: grpc.status
      ? { code: grpc.status.code, name: grpc.status.name ?? null, message: grpc.status.message ?? null, source: grpc.status.source, trailers_only: !!grpc.trailersOnly }
      : null,
    metadata: { request: metadata(grpc.requestMetadata), response: metadata(grpc.responseMetadata), trailers: metadata(grpc.trailerMetadata) },
    requests: direction(grpc.requests),
    responses: direction(grpc.responses),
    schema_problem: view.schemaProblem ?? null,
    messages: view.messages.map((m) => ({
      direction: m.direction,
      number: m.number,
      ns: m.message.ns === null ? null : String(m.message.ns),
      offset: m.message.offset,
      length: m.message.length,
      compressed: m.message.compressed,
      decoded_length: m.message.decodedLength ?? m.message.length,
      complete: m.message.complete,
      notes: messageNotes(m.message),
      format: m.content.format,
      ...(m.content.format === 'typed' ? { type: m.content.type } : {}),
      content: contentJson(m.content),
    })),
  };
}
