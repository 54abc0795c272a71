/**
 * Exchange ids across the files of a history: `TAG/ID`, where TAG names the file (a chain file
 * `tinytap-20261203-101500.tinytap` is `20261203-101500`; any other file its name without
 * `.tinytap`) and ID is the exchange's id in it. Stable: a file's exchanges keep their ids
 * once built, and its name does not change as the chain grows or older files are deleted.
 * One file alone keeps plain ids, as it always had.
 */
import { usageError } from './history-error.js';

const CHAIN_NAME = /^tinytap-(\d{8}-\d{6}(?:-\d+)?)\.tinytap$/;

export function fileTag(name: string): string {
  return CHAIN_NAME.exec(name)?.[1] ?? name.replace(/\.tinytap$/, '');
}

export function formatId(tag: string | null, id: number | bigint): string {
  return tag === null ? String(id) : `${tag}/${String(id)}`;
}

export interface ParsedId {
  tag: string | null;
  id: number;
}

/** An id as typed: `17` (one file) or `20261203-101500/17` (a history of several). */
export function parseHistoryId(text: string, tags: readonly string[] | null): ParsedId {
  const slash = text.lastIndexOf('/');
  const tag = slash < 0 ? null : text.slice(0, slash);
  const idText = slash < 0 ? text : text.slice(slash + 1);
  const n = Number(idText);
  const example = tags?.length ? `, like ${formatId(tags[tags.length - 1], 1)}` : '';
  if (!/^\d+$/.test(idText) || !Number.isSafeInteger(n) || n < 1)
    throw usageError(`bad exchange id '${text}': use the ${tags === null ? 'number' : 'id'} in the first column of tinytap ls${example}`);
  if (tags === null) {
    if (tag !== null) throw usageError(`bad exchange id '${text}': this is one file; its ids are plain numbers (the first column of tinytap ls)`);
    return { tag, id: n };
  }
  if (tag === null) throw usageError(`exchange id '${text}' does not say which file it is in: use the id as tinytap ls shows it${example}`);
  const file = tags.find((t) => t === tag) ?? tags.find((t) => `tinytap-${t}.tinytap` === tag || `${t}.tinytap` === tag);
  if (file === undefined) throw usageError(`no file '${tag}' here: use the id as tinytap ls shows it${example}`);
  return { tag: file, id: n };
}
