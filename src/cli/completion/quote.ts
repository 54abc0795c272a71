/** A word for bash or zsh that stays the string it was given: single quotes, where nothing is special but the quote itself. */
export function singleQuoted(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
