/**
 * Putting captured text on a terminal safely, and the table and progress bar the commands use.
 * Captured bytes are untrusted: an escape sequence in a URL or a body must show as text, never
 * reach the terminal as a command.
 */

/** Control characters (C0 but tab/newline when allowed, DEL, C1) shown as visible escapes. */
export function safeText(s: string, keepNewlines = false): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    if (keepNewlines && (c === '\n' || c === '\t')) return c;
    if (c === '\r' && keepNewlines) return '';
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

/** Display width of a string we produced (ASCII mostly; wide characters counted as 2). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0x1f300 && cp <= 0x1faff)) ? 2 : 1;
  }
  return w;
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
export function table<T>(rows: T[], cols: Column<T>[], width: number, colorize: boolean): string[] {
  const cells = rows.map((r) => cols.map((c) => safeText(c.value(r))));
  const widths = cols.map((c, i) => Math.max(displayWidth(c.title), ...cells.map((row) => displayWidth(row[i]))));
  const flexAt = cols.findIndex((c) => c.flex);
  if (flexAt >= 0) {
    const others = widths.reduce((a, w, i) => (i === flexAt ? a : a + w), 0) + 2 * (cols.length - 1);
    widths[flexAt] = Math.max(cols[flexAt].min ?? 10, Math.min(widths[flexAt], width - others));
  }
  const line = (vals: string[], colors: (string | null)[]) =>
    vals
      .map((v, i) => {
        const cell = pad(fit(v, widths[i]), widths[i], cols[i].right);
        return colorize && colors[i] ? `\x1b[${colors[i]}m${cell}\x1b[0m` : cell;
      })
      .join('  ')
      .trimEnd();
  const out = [line(cols.map((c) => c.title), cols.map(() => (colorize ? '1' : null)))];
  rows.forEach((r, k) => out.push(line(cells[k], cols.map((c) => (c.color ? c.color(r) : null)))));
  return out;
}

/** A progress bar on stderr, only on a terminal; returns a function to update it and one to end it. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  const enabled = !!stream.isTTY;
  return {
    /** Whether it shows at all: callers skip the work of a total nobody will see. */
    enabled,
    update(done: number, total: number) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 20));
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(frac * width);
      stream.write(`\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(frac * 100)}%`);
    },
    done() {
      if (enabled && last) stream.write('\r\x1b[K');
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
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 65536) this.flush();
  }

  flush(): void {
    if (this.parts.length) this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
