/**
 * A HAR 1.2 document of exchanges, written entry by entry (json-document.ts). `log.pages` is
 * there, empty (tinytap has no pages; Firefox's importer iterates it), and the log says, in its
 * comment and in `_tinytap`, when secrets were left out.
 */
import type { Exchange } from '../model/exchange.js';
import { type HarOptions, harEntry } from './har-entry.js';
import { jsonDocument } from './json-document.js';
import { SECRET_WORDS, SECRETS_LEFT_OUT_NOTE } from './secrets.js';

export interface HarDocumentOptions extends HarOptions {
  /** tinytap's version, for log.creator. */
  version: string;
  /** The filter the exchanges were selected with ('' for all). */
  filter: string;
}

export function* harDocument(exchanges: Iterable<Exchange>, opts: HarDocumentOptions): Generator<string> {
  const log: Record<string, unknown> = {
    version: '1.2',
    creator: { name: 'tinytap', version: opts.version },
    pages: [],
  };
  if (!opts.includeSecrets) log.comment = `tinytap: ${SECRETS_LEFT_OUT_NOTE}`;
  // what was left out, for a program reading the file: values named with these words, URL
  // passwords, and command lines' arguments (src/export/secrets.ts)
  log._tinytap = { filter: opts.filter, secretsLeftOut: !opts.includeSecrets, secretWords: opts.includeSecrets ? undefined : [...SECRET_WORDS] };
  // entries last: jsonDocument fills the document's last empty array
  log.entries = [];
  yield* jsonDocument({ log }, mapIter(exchanges, (ex) => harEntry(ex, opts)));
}

function* mapIter<T, U>(items: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of items) yield f(x);
}
