/**
 * Putting text on the clipboard from a terminal program: the desktop's own tool when there is a
 * desktop session (wl-copy on Wayland, xclip or xsel on X11), else OSC 52, which asks the
 * terminal itself (and tmux, with set-clipboard on) to take it, over ssh too.
 */
import { spawn } from 'node:child_process';

export type ClipboardVia = 'wl-copy' | 'xclip' | 'xsel' | 'osc52';

/** Terminals cap OSC 52 (xterm's default is about 100 kB of base64): larger text is not sent. */
export const OSC52_MAX_BASE64 = 100_000;

/**
 * The OSC 52 sequence setting the clipboard to `text`. The text is base64, so nothing in it can
 * end the sequence or be read as another one; BEL ends it (ST is not understood everywhere).
 */
export function osc52(text: string): string | null {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  if (b64.length > OSC52_MAX_BASE64) return null;
  return `\x1b]52;c;${b64}\x07`;
}

interface Tool {
  via: ClipboardVia;
  cmd: string;
  args: string[];
}

/** The tools worth trying in this environment, most specific first. */
export function clipboardTools(env: NodeJS.ProcessEnv): Tool[] {
  const tools: Tool[] = [];
  if (env.WAYLAND_DISPLAY) tools.push({ via: 'wl-copy', cmd: 'wl-copy', args: [] });
  if (env.DISPLAY) {
    tools.push({ via: 'xclip', cmd: 'xclip', args: ['-selection', 'clipboard'] });
    tools.push({ via: 'xsel', cmd: 'xsel', args: ['--clipboard', '--input'] });
  }
  return tools;
}

/** Feed `text` to a tool; false if it is not installed or fails. */
function pipeTo(tool: Tool, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (!settled) resolve(ok);
      settled = true;
    };
    try {
      const child = spawn(tool.cmd, tool.args, { stdio: ['pipe', 'ignore', 'ignore'], detached: false });
      child.on('error', () => done(false));
      child.on('exit', (code) => done(code === 0));
      child.stdin.on('error', () => done(false));
      child.stdin.end(text);
      // xclip stays to serve the selection: it has taken the text once its input is read
      setTimeout(() => done(child.exitCode === null || child.exitCode === 0), 1000).unref();
    } catch {
      done(false);
    }
  });
}

export interface ClipboardDeps {
  env?: NodeJS.ProcessEnv;
  /** Where OSC 52 goes (the terminal); null when there is none. */
  writeTerminal?: ((s: string) => void) | null;
  run?: (tool: Tool, text: string) => Promise<boolean>;
}

/** Copy `text`; says how, or null when no way worked. */
export async function copyToClipboard(text: string, deps: ClipboardDeps = {}): Promise<ClipboardVia | null> {
  const run = deps.run ?? pipeTo;
  for (const tool of clipboardTools(deps.env ?? process.env)) if (await run(tool, text)) return tool.via;
  const seq = osc52(text);
  if (seq && deps.writeTerminal) {
    deps.writeTerminal(seq);
    return 'osc52';
  }
  return null;
}
