/**
 * The Request body and Response body tabs: what the body is, what is missing from it, then the
 * body as JSON (pretty), text, or a hex dump (src/render/body.ts), content-encoding removed. A
 * body is shown up to BODY_DISPLAY_LIMIT and its lines are cut into pieces, so a megabyte of
 * minified JSON on one line becomes rows a terminal can draw.
 */
import { formatBytes } from '../render/format.js';
import { safeText } from '../render/terminal-text.js';
import type { Body, Exchange } from '../model/exchange.js';
import { bodyNotes, readableBytes, renderBody } from '../render/body.js';
import type { RowMaker } from './row-maker.js';
import { type Line, expandTabs, seg } from './styled-text.js';

export const BODY_DISPLAY_LIMIT = 1024 * 1024;

function describe(body: Body, kind: string): string {
  const parts = [body.mimeType ?? kind, formatBytes(body.size)];
  if (body.encoding) parts.push(`${body.encoding} → ${formatBytes(readableBytes(body).length)} decoded`);
  return parts.map((p) => safeText(p)).join(' · ');
}

export function bodyTab(ex: Exchange, which: 'request' | 'response', rows: RowMaker): Line[] {
  const message = which === 'request' ? ex.request : ex.response;
  const title = which === 'request' ? 'Request body' : 'Response body';
  if (!message) return [[seg('(no response captured)', { dim: true })]];
  const body = message.body;
  if (body.size === 0 && body.captured.length === 0) return [[seg(`${title}: none`, { dim: true })]];
  // renderBody cuts long lines into pieces; a whole number of rows each, so no short rows between
  const rendered = renderBody(body, { maxBytes: BODY_DISPLAY_LIMIT, maxLineLength: Math.max(1, rows.width) * 64 });
  const out: Line[] = [[seg(title, { bold: true }), seg(`  ${describe(body, rendered.kind)}`, { dim: true })]];
  for (const note of bodyNotes(body, which === 'request' ? 'request body' : 'response body'))
    out.push(...rows.wrap([seg(safeText(note), { color: 'yellow' })], 2));
  out.push([]);
  for (const l of rendered.lines) out.push(...rows.wrap([seg(safeText(expandTabs(l)))]));
  if (rendered.omitted) out.push([seg(`… ${rendered.omitted} (tinytap show --full, or tinytap export)`, { dim: true })]);
  return out;
}
