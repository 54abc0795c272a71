/**
 * The Sec-WebSocket-Extensions value of the 101 response (RFC 6455 §9.1): what the server
 * accepted is what both peers use. Only permessage-deflate (RFC 7692 §7) is decoded; other
 * extensions are named so that their frames can be said to be undecodable.
 */
import type { WsDeflateParams, WsExtensions } from './types.js';

const DEFLATE = 'permessage-deflate';
const DEFAULT_WINDOW_BITS = 15;

/** The extensions of a response header value (unset or empty: none). */
export function parseExtensions(headerValue: string | undefined): WsExtensions {
  const result: WsExtensions = { unsupported: [], problems: [] };
  for (const offer of splitOutsideQuotes(headerValue ?? '', ',')) {
    const [nameText, ...paramTexts] = splitOutsideQuotes(offer, ';');
    const name = nameText.trim().toLowerCase();
    if (name === '') continue;
    if (name !== DEFLATE) {
      result.unsupported.push(name);
      continue;
    }
    if (result.deflate) {
      result.problems.push(`${DEFLATE} accepted twice; the first is used`);
      continue;
    }
    result.deflate = deflateParams(paramTexts, result.problems);
  }
  return result;
}

function deflateParams(paramTexts: string[], problems: string[]): WsDeflateParams {
  const params: WsDeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: DEFAULT_WINDOW_BITS,
    clientMaxWindowBits: DEFAULT_WINDOW_BITS,
  };
  const seen = new Set<string>();
  for (const text of paramTexts) {
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : unquote(text.slice(eq + 1).trim());
    if (key === '') continue;
    if (seen.has(key)) problems.push(`${key} given twice`);
    seen.add(key);
    switch (key) {
      case 'server_no_context_takeover':
        params.serverNoContextTakeover = true;
        break;
      case 'client_no_context_takeover':
        params.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
      case 'client_max_window_bits': {
        const bits = windowBits(value);
        if (bits === undefined) problems.push(`${key}=${value ?? ''} is not 8..15`);
        else if (key === 'server_max_window_bits') params.serverMaxWindowBits = bits;
        else params.clientMaxWindowBits = bits;
        break;
      }
      default:
        problems.push(`unknown ${DEFLATE} parameter ${key}`);
    }
  }
  return params;
}

/** RFC 7692 §7.1.2: 1*DIGIT from 8 to 15, no leading zero. In a response the value is required. */
function windowBits(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]?$/.test(value)) return undefined;
  const bits = Number(value);
  return bits >= 8 && bits <= 15 ? bits : undefined;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/** `text` split at `sep`, except inside a quoted-string. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
