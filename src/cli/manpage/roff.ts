/**
 * Text for a man(7) page. roff reads `\` as its escape, `-` as a hyphen (a minus sign, as in
 * an option, is `\-`), and a line that starts with `.` or `'` as a request.
 * https://man7.org/linux/man-pages/man7/groff_man.7.html
 */

/** Text set as it is: roff's specials escaped; beyond ASCII as \[uXXXX], whatever the input encoding the formatter assumes. */
export function roffText(s: string): string {
  return s.replace(/[\\-]|[^\x20-\x7e\n]/gu, (c) => {
    if (c === '\\') return '\\e';
    if (c === '-') return '\\-';
    return `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;
  });
}

/** Lines of text: each escaped, and none read as a request. */
export function roffLines(s: string): string {
  return s
    .split('\n')
    .map((line) => roffText(line))
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

export const bold = (s: string): string => `\\fB${roffText(s)}\\fR`;
export const italic = (s: string): string => `\\fI${roffText(s)}\\fR`;

/**
 * A usage or an option's flags as man pages set them: names and options bold, what the user
 * replaces italic, brackets as they are (`-n, --limit <n>` → \fB\-n\fR, \fB\-\-limit\fR \fIn\fR).
 */
export function synopsisText(s: string): string {
  return s
    .split(' ')
    .map((word) => {
      const comma = word.endsWith(',') ? ',' : '';
      const w = comma ? word.slice(0, -1) : word;
      const placeholder = /^(<|\[)(.+?)(\.\.\.)?(>|\])$/.exec(w);
      if (!placeholder) return bold(w) + comma;
      const [, open, name, more = ''] = placeholder;
      return `${open === '[' ? '[' : ''}${italic(name)}${more}${open === '[' ? ']' : ''}${comma}`;
    })
    .join(' ');
}
