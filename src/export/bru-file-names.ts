/**
 * File names for a Bruno collection's requests, made from captured bytes: `0007-get-api-items.bru`.
 * The sequence number makes each unique; the rest is only a hint for the reader, kept to
 * letters, digits, '-' and '_' (no '/', no '.', no control character, nothing a shell or
 * another file system reads apart) and at most NAME_HINT_MAX characters, so that a name stays
 * well under any file system's limit (255 bytes) whatever the request's path.
 */

/** The longest method-and-path hint in a file name. */
export const NAME_HINT_MAX = 60;

/** Digits of the sequence number: names sort in capture order up to 10^SEQ_DIGITS requests. */
const SEQ_DIGITS = 4;

function hint(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** The base name (no extension) for the `seq`th request of the export. */
export function requestFileBase(seq: number, method: string, path: string): string {
  const words = hint(`${method} ${path}`).slice(0, NAME_HINT_MAX).replace(/-+$/, '');
  return `${String(seq).padStart(SEQ_DIGITS, '0')}-${words || 'request'}`;
}
