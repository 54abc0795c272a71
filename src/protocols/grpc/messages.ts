/**
 * The messages of one direction: framed (framing.ts), inflated when compressed
 * (compression.ts), and kept within the call's budget (GRPC_LIMITS).
 */
import { inflatePayload } from './compression.js';
import { GrpcFramer, type FramedMessage } from './framing.js';
import { GRPC_LIMITS } from './limits.js';
import type { BodyChunk, GrpcDirection, GrpcMessage } from './types.js';

/** Decoded bytes the call may still keep, shared by both directions. */
export interface CallBudget {
  bytes: number;
}

export function readDirection(body: readonly BodyChunk[], encoding: string, budget: CallBudget): GrpcDirection {
  const messages: GrpcMessage[] = [];
  let count = 0;
  const framer = new GrpcFramer({
    // a spent budget keeps nothing of later messages, compressed or not
    keep: (compressed) => (count >= GRPC_LIMITS.keepMessages || budget.bytes <= 0 ? 0 : compressed ? GRPC_LIMITS.keepCompressedBytes : Math.min(GRPC_LIMITS.keepMessageBytes, budget.bytes)),
    onMessage: (framed) => {
      count++;
      if (messages.length < GRPC_LIMITS.keepMessages) messages.push(decodeMessage(framed, encoding, budget));
    },
  });
  for (const chunk of body) framer.push(chunk);
  framer.end();
  const direction: GrpcDirection = { messages, messageCount: count, bodyBytes: framer.bodyBytes, encoding };
  if (framer.lostAt !== undefined) direction.lostAt = framer.lostAt;
  return direction;
}

function decodeMessage(framed: FramedMessage, encoding: string, budget: CallBudget): GrpcMessage {
  const { kept, ...facts } = framed;
  const message: GrpcMessage = { offset: facts.offset, ts: facts.ts, endTs: facts.endTs, compressed: facts.compressed, length: facts.length, complete: facts.complete, bytes: kept };
  if (facts.gap) message.gap = true;
  let decoded = kept;
  let decodedLength = facts.length;
  // nothing kept (the budget was spent): nothing to inflate, the message is only cut
  if (facts.compressed && kept.length === 0 && facts.length > 0) return { ...message, bytes: kept, cut: true };
  if (facts.compressed) {
    const whole = kept.length === facts.length && facts.complete && !facts.gap;
    const inflated = inflatePayload(encoding, kept, whole);
    if ('error' in inflated) return { ...message, bytes: new Uint8Array(0), decodeError: inflated.error };
    decoded = inflated.bytes;
    decodedLength = inflated.length;
    if (!inflated.complete) message.cut = true;
  }
  const keep = Math.min(decoded.length, GRPC_LIMITS.keepMessageBytes, budget.bytes);
  budget.bytes -= keep;
  message.bytes = decoded.length > keep ? decoded.slice(0, keep) : decoded;
  if (message.bytes.length < decodedLength) message.cut = true;
  if (facts.compressed) message.decodedLength = decodedLength;
  return message;
}
