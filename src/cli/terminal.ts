/**
 * What the commands write on stdout and stderr, and the table and progress bar they use. The
 * writers here are the only way a command prints (eslint.config.js forbids process.stdout.write
 * and console.* elsewhere in src/), and they take TerminalText (src/render/terminal-text.ts):
 * every value that came from the capture or from a file has been escaped on its way there,
 * whatever the command, whether stdout is a terminal or a pipe.
 */
import { EMPTY, type TerminalText, controlSequence, escaped, joinText, safeText, sgr, term } from '../render/terminal-text.js';
import { displayWidth } from '../render/text-width.js';

/** A stream commands print to. */
export interface TerminalWriter {
  write(text: TerminalText): void;
}

class StreamWriter implements TerminalWriter {
  constructor(private readonly stream: () => NodeJS.WriteStream) {}

  get isTTY(): boolean {
    return !!this.stream().isTTY;
  }

  write(text: TerminalText): void {
    // the compiler takes only TerminalText; JavaScript, or a cast, could still hand a string
    this.stream().write(typeof text === 'string' ? safeText(text, true) : text.text);
  }

  /**
   * Bytes exactly as captured, for `show --raw` into a pipe or a file; on a terminal they are
   * escaped like any other text (a terminal is never given raw captured bytes).
   */
  writeBytes(bytes: Uint8Array): void {
    const stream = this.stream();
    if (stream.isTTY) stream.write(escaped(Buffer.from(bytes).toString('latin1'), true).text + '\n');
    else stream.write(bytes);
  }
}

/** stdout and stderr of the process, for every command (resolved at each write: tests replace them). */
export const stdout = new StreamWriter(() => process.stdout);
export const stderr = new StreamWriter(() => process.stderr);

/** One line of text (a newline added). */
export function writeLine(w: TerminalWriter, text: TerminalText): void {
  w.write(term`${text}\n`);
}

/** Cut to `width` columns, ending with '…' when cut. */
export function fit(s: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

export function pad(s: string, width: number, right = false): string {
  const gap = Math.max(0, width - displayWidth(s));
  return right ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

export interface Column<T> {
  title: string;
  value: (row: T) => string;
  /** Right-aligned (numbers). */
  right?: boolean;
  /** Takes the width left over (one column should). */
  flex?: boolean;
  /** Colour for a cell (an SGR code), applied after fitting. */
  color?: (row: T) => string | null;
  min?: number;
}

/** A table that fits `width` columns: fixed columns as wide as their content, the flex one the rest. */
export function table<T>(rows: T[], cols: Column<T>[], width: number, colorize: boolean): TerminalText[] {
  const cells = rows.map((r) => cols.map((c) => safeText(c.value(r))));
  // a loop, not Math.max(...cells): `ls` of a big session has more rows than a call has arguments
  const widths = cols.map((c) => displayWidth(c.title));
  for (const row of cells) for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i], displayWidth(row[i]));
  const flexAt = cols.findIndex((c) => c.flex);
  if (flexAt >= 0) {
    const others = widths.reduce((a, w, i) => (i === flexAt ? a : a + w), 0) + 2 * (cols.length - 1);
    widths[flexAt] = Math.max(cols[flexAt].min ?? 10, Math.min(widths[flexAt], width - others));
  }
  // cells are escaped above: what is fitted and padded here is what the terminal shows
  const line = (vals: string[], colors: (string | null)[]) => {
    const shown = vals.map((v, i) => pad(fit(v, widths[i]), widths[i], cols[i].right));
    // trailing blanks go, colour or not
    while (shown.length && shown[shown.length - 1].trim() === '') shown.pop();
    if (shown.length) shown[shown.length - 1] = shown[shown.length - 1].trimEnd();
    return joinText(
      shown.map((cell, i) => (colorize && colors[i] ? sgr(colors[i], cell) : cell)),
      term`  `,
    );
  };
  const out = [line(cols.map((c) => c.title), cols.map(() => (colorize ? '1' : null)))];
  rows.forEach((r, k) => out.push(line(cells[k], cols.map((c) => (c.color ? c.color(r) : null)))));
  return out;
}

/**
 * What is left of a task `frac` done after `elapsedMs`, in words ("~12 s left", "~3 min left");
 * null until it is worth saying: a second in, and enough done that the rate means something.
 */
export function timeLeft(elapsedMs: number, frac: number): string | null {
  if (elapsedMs < 1000 || frac < 0.02 || frac >= 1) return null;
  const s = Math.ceil((elapsedMs * (1 - frac)) / frac / 1000);
  return s < 120 ? `~${s} s left` : `~${Math.round(s / 60)} min left`;
}

/**
 * A progress bar on stderr, only on a terminal: update() with a count done of a total, stage()
 * when the rest of the work is one step with no count of its own (the bar gives way to what
 * that step is), done() to take it away.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  const started = Date.now();
  const enabled = !!stream.isTTY;
  const clearLine = controlSequence`\r\x1b[K`;
  return {
    /** Whether it shows at all: callers skip the work of a total nobody will see. */
    enabled,
    update(done: number, total: number) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 34));
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(frac * width);
      const left = timeLeft(now - started, frac);
      stream.write(term`${clearLine}${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(frac * 100)}%${left ? `  ${left}` : ''}`.text);
    },
    stage(what: string) {
      if (!enabled) return;
      last = Date.now();
      stream.write(term`${clearLine}${label}: ${what}…`.text);
    },
    done() {
      if (enabled && last) stream.write(clearLine.text);
    },
  };
}

/** Columns of the output terminal. */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number {
  // piped: nothing is cut, the reader of a file or a pipe gets whole values
  return stream.isTTY && stream.columns ? stream.columns : 100_000;
}

/** stdout in 64 kB pieces, for commands that print one line per exchange. */
export class BufferedOutput {
  private parts: TerminalText[] = [];
  private size = 0;

  constructor(private readonly out: TerminalWriter = stdout) {}

  write(text: TerminalText): void {
    this.parts.push(text);
    this.size += text.text.length;
    if (this.size >= 65536) this.flush();
  }

  flush(): void {
    if (this.parts.length) this.out.write(joinText(this.parts, EMPTY));
    this.parts = [];
    this.size = 0;
  }
}
