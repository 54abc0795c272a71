/**
 * `c` in the TUI: the selected exchange as a curl command (src/export/curl.ts), written to
 * tinytap-<id>.curl.sh in the current directory and put on the clipboard.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { curlCommand } from '../export/curl.js';
import type { Exchange } from '../model/exchange.js';
import { type ClipboardDeps, copyToClipboard } from './clipboard.js';

export function curlFileName(id: number): string {
  return `tinytap-${id}.curl.sh`;
}

export interface CurlExportResult {
  file: string;
  clipboard: string | null;
}

export async function exportCurl(ex: Exchange, cwd: string, deps: ClipboardDeps = {}): Promise<CurlExportResult> {
  const command = curlCommand(ex);
  const file = curlFileName(ex.id);
  // owner only: a request may carry credentials (cookies, Authorization), as the session does
  writeFileSync(join(cwd, file), `#!/bin/sh\n${command}`, { mode: 0o700 });
  const clipboard = await copyToClipboard(command, deps);
  return { file, clipboard };
}

export function curlMessage(r: CurlExportResult): string {
  const how = r.clipboard === 'osc52' ? 'the terminal (OSC 52)' : r.clipboard;
  return `wrote ${r.file}${r.clipboard ? `, copied to the clipboard via ${how}` : ' (no clipboard found)'}`;
}
