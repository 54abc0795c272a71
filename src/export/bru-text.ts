/**
 * Pieces of Bruno's .bru language, written so that Bruno's own parser (@usebruno/lang,
 * v2/src/bruToJson.js, an ohm grammar) reads back exactly what was meant, or refused when it
 * cannot. Hand-written rather than with the package's jsonToBru: that one writes values the
 * parser reads back changed (it trims them, and a value holding ''' ends its block early), and
 * the package would bring ohm-js and lodash into tinytap's dependencies for a few lines.
 *
 * What the grammar says, and what follows:
 * - A dictionary pair is `key: value` on one line. A key is unquoted when it has no space,
 *   tab, ':' ('keychar'); else quoted `"..."`, in which only `\"` is an escape (a quote), so a
 *   quoted key cannot end in a backslash nor hold a newline. A key whose first character is '~'
 *   is a disabled pair, quoted or not: such a name cannot be written.
 * - A value runs to the end of the line and is trimmed. A value with line breaks is a block
 *   between ''' lines, each line indented four spaces (the parser cuts four characters off each
 *   line) and the whole trimmed: it cannot hold ''' nor a CR (lines end at "\r"? "\n").
 * - A text block (body:json, docs) ends at a line that starts with '}'; each of its lines is
 *   written indented two spaces, which the parser takes off again, so no line can end it. Lines
 *   end at LF or CRLF and are joined with LF: a text holding a CR cannot be written.
 */

/** `name` as a dictionary key, or null when no key reads back as it. */
export function bruKey(name: string): string | null {
  if (name === '' || name.startsWith('~') || /[\r\n]/.test(name)) return null;
  // unquoted: the parser trims a key, and stops it at a space, tab or ':'
  if (!/[\s:"{}]/.test(name) && !name.startsWith('@')) return name;
  if (name.endsWith('\\')) return null;
  return `"${name.replace(/"/g, '\\"')}"`;
}

const BLOCK_DELIMITER = "'''";

/** A value as written after `key: `, or null when no value reads back as it. */
export function bruValue(value: string): string | null {
  if (value !== value.trim() || value.includes('\r')) return null;
  if (!value.includes('\n')) return value.startsWith(BLOCK_DELIMITER) ? null : value;
  if (value.includes(BLOCK_DELIMITER)) return null;
  return `${BLOCK_DELIMITER}\n${value
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n  ${BLOCK_DELIMITER}`;
}

/** Whether a text block can hold `text` as it is. */
export function fitsTextBlock(text: string): boolean {
  return !text.includes('\r');
}

/** `name {` … `}`: a dictionary of pairs already written as key and value. */
export function bruDictionary(name: string, pairs: readonly (readonly [string, string])[]): string {
  return `${name} {\n${pairs.map(([k, v]) => `  ${k}: ${v}\n`).join('')}}\n`;
}

/** `name {` … `}`: a text block (fitsTextBlock(text) must hold). */
export function bruTextBlock(name: string, text: string): string {
  return `${name} {\n${text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}\n}\n`;
}
