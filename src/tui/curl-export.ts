/**
 * `c` in the TUI: the selected exchange as a curl command (src/export/curl.ts), written to
 * tinytap-<id>.curl.sh in the current directory and put on the clipboard.
 */
import { join } from 'node:path';

import { curlCommand } from '../export/curl.js';
import { type FileOwner, sudoOwner } from '../files/owner.js';
import { writePrivateFile } from '../files/private-file.js';
import type { Exchange } from '../model/exchange.js';
import { type ClipboardDeps, copyToClipboard } from './clipboard.js';

export function curlFileName(id: number): string {
  return `tinytap-${id}.curl.sh`;
}

export interface CurlExportResult {
  file: string;
  clipboard: string | null;
}

/**
 * Write the script and copy the command. The script is made as every file tinytap writes
 * (files/private-file.ts): owner only, a request may carry credentials (cookies,
 * Authorization) as the session does; executable, it is meant to be run; owned by the sudo
 * user; and pressing c again replaces it, but only a regular file, and in a shared directory
 * (such as /tmp) only that user's own.
 */
export async function exportCurl(ex: Exchange, cwd: string, deps: ClipboardDeps = {}, owner: FileOwner | null = sudoOwner()): Promise<CurlExportResult> {
  const command = curlCommand(ex);
  const file = curlFileName(ex.id);
  writePrivateFile(join(cwd, file), `#!/bin/sh\n${command}`, { mode: 0o700, replace: true, owner });
  const clipboard = await copyToClipboard(command, deps);
  return { file, clipboard };
}

export function curlMessage(r: CurlExportResult): string {
  const how = r.clipboard === 'osc52' ? 'the terminal (OSC 52)' : r.clipboard;
  return `wrote ${r.file}${r.clipboard ? `, copied to the clipboard via ${how}` : ' (no clipboard found)'}`;
}
