/**
 * The Messages tab of a WebSocket upgrade, as DevTools' Messages tab: one row per message (time,
 * direction, kind, size, content), the first MESSAGES_DISPLAY_LIMIT of them; `show --full` and
 * `--json` have them all.
 */
import type { WebSocketFacts, WebSocketMessage } from '../model/ws-message.js';
import type { GrpcFacts } from '../model/exchange.js';
import { grpcLines, grpcView } from '../render/grpc-format.js';
import { formatMessages } from '../render/ws-format.js';
import type { RowMaker } from './row-maker.js';
import { type Line, seg } from './styled-text.js';

export const MESSAGES_DISPLAY_LIMIT = 1000;

/** A gRPC call's messages, decoded without a schema, as `show` prints them (`--proto` is show's). */
export function grpcMessagesTab(grpc: GrpcFacts, startedNs: bigint, rows: RowMaker): Line[] {
  return grpcLines(grpc, grpcView(grpc), startedNs, false).flatMap((t) => t.text.split('\n')).flatMap((l) => rows.wrap([seg(l)], 2));
}

export function messagesTab(id: number, facts: WebSocketFacts, messages: WebSocketMessage[], rows: RowMaker): Line[] {
  // the formatter escapes every captured byte; without colour its text is plain lines
  const [title, ...lines] = formatMessages(facts, messages, false, false, `tinytap show FILE ${id} --full lists them all`).map((t) => t.text);
  const wrapped = (l: string) => rows.wrap([seg(l)], 2);
  return [...wrapped(title), [], ...lines.flatMap(wrapped)];
}
