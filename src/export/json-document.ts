/**
 * A JSON document whose one big array is written item by item: the exporters stream a
 * million exchanges without holding them, and the output is still one valid JSON value. It is
 * written with safeJson: C1 controls in captured text become \u escapes, so the document is
 * harmless on a terminal too (`tinytap export --har` without -o, on a terminal).
 */
import { safeJson } from '../render/terminal-text.js';

/**
 * `head` is the document with the array's items left out: `{"log":{...,"entries":[]}}`; the
 * items are spliced in between its last "[]" (which must be the array to fill).
 */
export function* jsonDocument(head: unknown, items: Iterable<unknown>): Generator<string> {
  const text = safeJson(head);
  const at = text.lastIndexOf('[]');
  if (at < 0) throw new Error('jsonDocument: the document has no empty array to fill');
  yield text.slice(0, at + 1);
  let first = true;
  for (const item of items) {
    // one item per line: a large export stays greppable and diffable
    yield (first ? '\n' : ',\n') + safeJson(item);
    first = false;
  }
  yield (first ? '' : '\n') + text.slice(at + 1) + '\n';
}
