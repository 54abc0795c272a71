import { readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { Session } from '../../src/session/session.js';
import { OSC52_MAX_BASE64, clipboardTools, copyToClipboard, osc52 } from '../../src/tui/clipboard.js';
import { curlMessage, exportCurl } from '../../src/tui/curl-export.js';
import { tempDir } from '../helpers/session-files.js';
import { basicSession } from './tui-sessions.js';

describe('the clipboard', () => {
  it('OSC 52 carries the text as base64: nothing in it can end the sequence', () => {
    const text = "curl --url 'http://x/'\x07\x1b\\ done";
    const seq = osc52(text)!;
    expect(seq).toBe(`\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`);
    expect(seq.slice(7, -1)).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(osc52('x'.repeat((OSC52_MAX_BASE64 / 4) * 3 + 3))).toBeNull();
  });

  it('tries the desktop tool for the session it finds, then the terminal', async () => {
    expect(clipboardTools({ WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' }).map((t) => t.via)).toEqual(['wl-copy', 'xclip', 'xsel']);
    expect(clipboardTools({ DISPLAY: ':0' }).map((t) => t.via)).toEqual(['xclip', 'xsel']);
    expect(clipboardTools({})).toEqual([]);
    const tried: string[] = [];
    const written: string[] = [];
    const via = await copyToClipboard('hello', {
      env: { DISPLAY: ':0' },
      run: async (tool) => (tried.push(tool.cmd), tool.cmd === 'xsel'),
      writeTerminal: (s) => written.push(s),
    });
    expect(via).toBe('xsel');
    expect(tried).toEqual(['xclip', 'xsel']);
    expect(written).toEqual([]);
    expect(await copyToClipboard('hello', { env: {}, writeTerminal: (s) => written.push(s) })).toBe('osc52');
    expect(written).toEqual([osc52('hello')]);
    expect(await copyToClipboard('hello', { env: {}, writeTerminal: null })).toBeNull();
  });
});

describe('c: the exchange as a curl command', () => {
  it('writes tinytap-<id>.curl.sh (owner only) and copies the command', async () => {
    const session = Session.open(await basicSession(2));
    try {
      const cwd = tempDir('tinytap-curl-');
      const written: string[] = [];
      const r = await exportCurl(session.exchange(1)!, cwd, { env: {}, writeTerminal: (s) => written.push(s) });
      expect(r).toEqual({ file: 'tinytap-1.curl.sh', clipboard: 'osc52' });
      const script = readFileSync(join(cwd, 'tinytap-1.curl.sh'), 'utf8');
      // the command itself is src/export/curl.ts's: only what the TUI adds is checked exactly
      expect(script.startsWith('#!/bin/sh\n# #1 POST http://api.local/api/items\n')).toBe(true);
      expect(script).toMatch(/\ncurl .*\\\n/);
      expect(script).toContain("-H 'X-Request-Id: req-7f3a'");
      expect(script).toContain(`--data-raw '{"name":"x1"}'`);
      expect(statSync(join(cwd, 'tinytap-1.curl.sh')).mode & 0o777).toBe(0o700);
      expect(Buffer.from(written[0].slice(7, -1), 'base64').toString()).toBe(script.slice('#!/bin/sh\n'.length));
      expect(curlMessage(r)).toBe('wrote tinytap-1.curl.sh, copied to the clipboard via the terminal (OSC 52)');
      expect(curlMessage({ file: 'f', clipboard: null })).toBe('wrote f (no clipboard found)');
    } finally {
      session.close();
    }
  });

  it('c again replaces the script; a link planted at its name is refused and its target left alone', async () => {
    const session = Session.open(await basicSession(2));
    try {
      const cwd = tempDir('tinytap-curl-');
      const clipboard = { env: {}, writeTerminal: null };
      await exportCurl(session.exchange(1)!, cwd, clipboard);
      writeFileSync(join(cwd, 'tinytap-1.curl.sh'), 'stale');
      await exportCurl(session.exchange(1)!, cwd, clipboard);
      expect(readFileSync(join(cwd, 'tinytap-1.curl.sh'), 'utf8')).toMatch(/^#!\/bin\/sh\n# #1 POST /);
      expect(statSync(join(cwd, 'tinytap-1.curl.sh')).mode & 0o777).toBe(0o700);

      const victim = join(cwd, 'victim');
      writeFileSync(victim, 'precious');
      symlinkSync(victim, join(cwd, 'tinytap-2.curl.sh'));
      await expect(exportCurl(session.exchange(2)!, cwd, clipboard)).rejects.toThrow(
        `${join(cwd, 'tinytap-2.curl.sh')} is a symbolic link: tinytap never writes through a link; give the real path, or remove the link`,
      );
      expect(readFileSync(victim, 'utf8')).toBe('precious');
      expect(readdirSync(cwd).sort()).toEqual(['tinytap-1.curl.sh', 'tinytap-2.curl.sh', 'victim']);
    } finally {
      session.close();
    }
  });

  it.skipIf(process.getuid?.() !== 0)('under sudo, the script belongs to the user who ran sudo', async () => {
    const session = Session.open(await basicSession(1));
    try {
      const cwd = tempDir('tinytap-curl-');
      await exportCurl(session.exchange(1)!, cwd, { env: {}, writeTerminal: null }, { uid: 65534, gid: 65534 });
      expect(statSync(join(cwd, 'tinytap-1.curl.sh'))).toMatchObject({ uid: 65534, gid: 65534 });
    } finally {
      session.close();
    }
  });
});
