/**
 * A body as text for a person: JSON pretty-printed, text as text, anything else as a hex dump.
 * Shared by `tinytap show` and the TUI. Pure; the output is not yet made terminal-safe (the
 * caller escapes it: render/terminal-text.ts).
 */
import type { Body } from '../model/exchange.js';
import { looksLikeText } from '../model/text-sniff.js';

export type BodyKind = 'empty' | 'json' | 'text' | 'binary';

export interface RenderedBody {
  kind: BodyKind;
  /** Lines to show (no trailing newline characters). */
  lines: string[];
  /** What was left out: "4,096 more bytes", when the caller's limit cut it. */
  omitted: string | null;
}

/** The bytes a person wants to read: content-encoding removed when that worked. */
export function readableBytes(body: Body): Uint8Array {
  return body.decoded ?? body.captured;
}

/** What a body is, and for JSON the value it parsed to (callers that need it parse it once). */
export function classifyBody(body: Body): { kind: BodyKind; json?: unknown } {
  const bytes = readableBytes(body);
  if (bytes.length === 0) return { kind: 'empty' };
  const type = body.mimeType ?? '';
  if (/json/.test(type) || (!type && (bytes[0] === 0x7b || bytes[0] === 0x5b))) {
    try {
      return { kind: 'json', json: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) };
    } catch {
      // truncated or not JSON after all: show it as text if it reads as text
    }
  }
  // the bytes decide: servers label unknown files text/plain (nginx's default_type)
  return { kind: looksLikeText(bytes) ? 'text' : 'binary' };
}

export function bodyKind(body: Body): BodyKind {
  return classifyBody(body).kind;
}

/** `xxd`-style lines: offset, 16 bytes in hex, the printable ones as text. */
export function hexDump(bytes: Uint8Array, maxBytes = Infinity): string[] {
  const lines: string[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i++) {
      if (i < row.length) {
        hex += row[i].toString(16).padStart(2, '0');
        text += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : '.';
      } else {
        hex += '  ';
      }
      if (i % 2 === 1) hex += ' ';
    }
    lines.push(`${off.toString(16).padStart(8, '0')}: ${hex} ${text}`);
  }
  return lines;
}

/** Split very long lines so one huge minified line cannot swamp a terminal. */
function wrapLong(lines: string[], max: number): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.length <= max) out.push(l);
    else for (let i = 0; i < l.length; i += max) out.push(l.slice(i, i + max));
  }
  return out;
}

export interface RenderOptions {
  /** Stop after this many bytes of the body (binary) or characters (text). */
  maxBytes?: number;
  /** Split lines longer than this. */
  maxLineLength?: number;
}

export function renderBody(body: Body, opts: RenderOptions = {}): RenderedBody {
  const maxBytes = opts.maxBytes ?? Infinity;
  const maxLine = opts.maxLineLength ?? 4096;
  const bytes = readableBytes(body);
  const kind = bodyKind(body);
  const omitted = (shown: number) =>
    bytes.length > shown ? `${(bytes.length - shown).toLocaleString('en-US')} more bytes` : null;
  switch (kind) {
    case 'empty':
      return { kind, lines: [], omitted: null };
    case 'json': {
      const text = JSON.stringify(JSON.parse(Buffer.from(bytes).toString('utf8')), null, 2);
      const cut = text.length > maxBytes ? text.slice(0, maxBytes) : text;
      return { kind, lines: wrapLong(cut.split('\n'), maxLine), omitted: text.length > maxBytes ? `${(text.length - maxBytes).toLocaleString('en-US')} more characters` : null };
    }
    case 'text': {
      const shown = Math.min(bytes.length, maxBytes);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, shown).toString('utf8');
      const lines = text.split(/\r?\n/);
      if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
      return { kind, lines: wrapLong(lines, maxLine), omitted: omitted(shown) };
    }
    default: {
      const shown = Math.min(bytes.length, maxBytes);
      return { kind, lines: hexDump(bytes, shown), omitted: omitted(shown) };
    }
  }
}

/** What to tell a reader about bytes they cannot see. */
export function bodyNotes(body: Body, label: string): string[] {
  const notes: string[] = [];
  const lost = body.size - body.captured.length;
  if (body.missing === 'zerocopy')
    notes.push(`${label}: ${body.size.toLocaleString('en-US')} B sent with sendfile/splice; ${lost.toLocaleString('en-US')} B not captured`);
  else if (body.missing === 'truncated')
    notes.push(`${label}: truncated at capture: ${body.captured.length.toLocaleString('en-US')} of ${body.size.toLocaleString('en-US')} B captured (raise --max-payload)`);
  else if (body.missing === 'discarded')
    notes.push(`${label}: ${lost.toLocaleString('en-US')} of ${body.size.toLocaleString('en-US')} B discarded unread by the receiver (recv with MSG_TRUNC)`);
  else if (body.missing === 'lost')
    notes.push(`${label}: ${lost.toLocaleString('en-US')} of ${body.size.toLocaleString('en-US')} B lost (the ring buffer overflowed)`);
  if (!body.complete && !body.missing && body.size > 0) notes.push(`${label}: incomplete: the connection ended before the body did`);
  if (body.decodeError) notes.push(`${label}: ${body.decodeError}`);
  return notes;
}
