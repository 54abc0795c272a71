/** The words of the filter language, as completion offers them and the man page lists them. */
import { KEY_ALIASES, KNOWN_KEYS, MITM } from '../query/keys.js';

export interface FilterWords {
  keys: string[];
  /** [alias, the key it stands for] */
  aliases: [string, string][];
  /** mitmproxy's operators: [operator, what it matches, whether a value follows] */
  operators: [string, string, boolean][];
}

export function filterWords(): FilterWords {
  return {
    keys: [...KNOWN_KEYS],
    aliases: Object.entries(KEY_ALIASES),
    operators: Object.entries(MITM).map(([op, o]) => [op, o.help, o.value]),
  };
}

/** What a filter term may start with: every key and alias, with its colon. */
export function keyPrefixes(words: FilterWords): string[] {
  return [...words.keys, ...words.aliases.map(([alias]) => alias)].map((k) => `${k}:`);
}
