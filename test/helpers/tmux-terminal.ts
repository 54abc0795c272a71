/**
 * A terminal for `tinytap open`: a tmux server of our own (a private socket), one window running
 * one command, its screen read back with capture-pane. Used by the TUI's end-to-end tests and by
 * the hostile-file tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** A tmux server of our own (a private socket), one window running one command. */
export class Terminal {
  private readonly socket = `tinytap-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly exitFile = join(mkdtempSync(join(tmpdir(), 'tinytap-tmux-')), 'exit-status');
  private socketPath: string | null = null;

  /** `cli`: the tinytap script to run (bin/tinytap.js). */
  constructor(private readonly cli: string) {}

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Run `args` (tinytap's arguments) in a width × height terminal. */
  start(args: string[], width = 120, height = 30): void {
    // CI=true makes ink draw only the last frame: the terminal must look like a person's
    const command = ['env', '-u', 'CI', 'TERM=xterm-256color', 'LANG=C.UTF-8', process.execPath, this.cli, ...args]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    // the shell notes how tinytap ended (tmux started by a test runner does not keep the status),
    // and lingers: tmux drops what a pane wrote just before it died (its last line, an error)
    this.tmux('start-server', ';', 'set-option', '-g', 'remain-on-exit', 'on', ';', 'new-session', '-d', '-s', 'tt', '-x', String(width), '-y', String(height), `${command}; echo $? > ${this.exitFile}; sleep 2`);
    this.socketPath = this.tmux('display-message', '-p', '#{socket_path}').trim();
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'tt');
  }

  /** The rows of the screen (capture-pane ends each with a newline). */
  lines(): string[] {
    return this.screen().replace(/\n$/, '').split('\n');
  }

  async waitFor(ok: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (ok(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Keys by tmux name (Enter, Tab, BTab, Escape, C-u, PageDown...), one at a time. */
  keys(...names: string[]): void {
    for (const k of names) this.tmux('send-keys', '-t', 'tt', k);
  }

  /** Text typed as is. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'tt', '-l', text);
  }

  resize(width: number, height: number): void {
    this.tmux('resize-window', '-t', 'tt', '-x', String(width), '-y', String(height));
  }

  /** The pane's shell is gone too: a Ctrl-C outside raw mode reaches the whole foreground group. */
  paneDead(): boolean {
    return this.tmux('display-message', '-p', '-t', 'tt', '#{pane_dead}').trim() === '1';
  }

  /** tinytap's exit status, once it has ended. */
  exitStatus(): number | null {
    const text = existsSync(this.exitFile) ? readFileSync(this.exitFile, 'utf8') : '';
    return /^\d+\n$/.test(text) ? Number(text) : null;
  }

  /** Stop the server and remove its socket (tmux leaves the file behind). */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // never started, or already gone
    }
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}

