/**
 * Text a terminal may be given. A terminal obeys control characters: ESC starts sequences that
 * set the clipboard (OSC 52), the window title, clear the screen or hide text, and the C1
 * controls 0x80-0x9f (raw, or U+0080-U+009F in UTF-8) do the same on terminals that honour
 * them. Whatever tinytap shows came from the capture or from a session file that anyone may
 * have written: a process chooses its own name (15 bytes of comm), its command line and the
 * paths of the unix sockets it binds, and a file's sender chooses every value in it.
 *
 * So there is one escaping function, `safeText`, and one type, `TerminalText`, that holds only
 * text that went through it or text written in tinytap's source. The writers of stdout and
 * stderr (src/cli/terminal.ts) take a TerminalText and nothing else: a captured string cannot
 * reach the terminal without being escaped, because the compiler refuses it. This is the
 * pattern of Trusted Types and Go's html/template: safe by construction, not by every call
 * site remembering.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * THE escaping function: control characters (C0 but newline and tab when `keepNewlines`, DEL,
 * C1) shown as visible escapes (\n, \r, \t, \x1b, \x9b). With `keepNewlines`, a carriage
 * return is dropped (CRLF line ends), since alone it would let a line overwrite what came before.
 */
export function safeText(s: string, keepNewlines = false): string {
  if (!CONTROL.test(s)) return s;
  return s.replace(CONTROLS, (c) => {
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

let make: (text: string) => TerminalText;

/**
 * Text that is safe to write on a terminal: made only by `escaped`, the `term` tag, `sgr`,
 * `json` and the joins below. Its constructor is private; `text` is what is written.
 */
export class TerminalText {
  static {
    make = (text) => new TerminalText(text);
  }

  private constructor(readonly text: string) {}

  /** In a template literal (not `term`) it turns back into a plain string, which no writer takes. */
  toString(): string {
    return this.text;
  }

  get length(): number {
    return this.text.length;
  }
}

/** Any value a template may hold: TerminalText as it is, anything else escaped. */
export type TextPart = TerminalText | string | number | bigint | boolean | null | undefined;

function part(v: TextPart): string {
  if (v instanceof TerminalText) return v.text;
  return safeText(String(v));
}

/** A captured or read string, escaped (see safeText; `keepNewlines` for multi-line text). */
export function escaped(s: string, keepNewlines = false): TerminalText {
  return make(safeText(s, keepNewlines));
}

/**
 * A template of tinytap's own text (trusted: it is in the source) around values, each escaped
 * unless already a TerminalText: term`${comm} (${pid})`.
 */
export function term(strings: TemplateStringsArray, ...values: TextPart[]): TerminalText {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return make(out);
}

export const EMPTY = make('');
export const NEWLINE = make('\n');

/** Parts joined by `sep` (a newline unless given). */
export function joinText(parts: readonly TextPart[], sep: TerminalText = NEWLINE): TerminalText {
  return make(parts.map(part).join(sep.text));
}

/** Select Graphic Rendition: `code` is ours (digits and ';' only), the text escaped. */
export function sgr(code: string, text: TextPart): TerminalText {
  if (!/^[0-9;]*$/.test(code)) throw new Error(`not an SGR code: ${JSON.stringify(code)}`);
  return make(`\x1b[${code}m${part(text)}\x1b[0m`);
}

/** Our own control sequence (cursor movement, erase): a literal from the source, never data. */
export function controlSequence(strings: TemplateStringsArray): TerminalText {
  if (strings.length !== 1) throw new Error('controlSequence takes no values');
  return make(strings[0]);
}

const JSON_UNSAFE = /[\x7f-\x9f]/;
const JSON_UNSAFES = /[\x7f-\x9f]/g;

/**
 * JSON of `value` that is safe on a terminal too: JSON.stringify escapes C0 (\u001b) but
 * writes DEL and the C1 controls as they are, which a terminal reading UTF-8 may obey; they
 * become \u009b, the same string to any JSON reader. Every JSON tinytap prints or exports goes
 * through this.
 */
export function safeJson(value: unknown, space?: number): string {
  const s = JSON.stringify(value, null, space);
  if (s === undefined || !JSON_UNSAFE.test(s)) return s;
  return s.replace(JSON_UNSAFES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** safeJson as TerminalText, for --json output. */
export function json(value: unknown): TerminalText {
  return make(safeJson(value));
}
