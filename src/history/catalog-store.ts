/**
 * Where a directory's catalog (catalog.ts) lives, `DIR/.tinytap-catalog.json`, and how it is read
 * and written. It is a cache, so nothing here fails a command: a catalog that is not the user's
 * own, not a regular file, too large or not well-formed is ignored (and rebuilt in memory); one
 * that cannot be written is not. It is written only into a directory that is the user's own and
 * that no one else can write, created as every file tinytap makes (files/private-file.ts).
 */
import { type Stats, lstatSync } from 'node:fs';
import { join } from 'node:path';

import { isOwnUid, sudoOwner } from '../files/owner.js';
import { writePrivateFile } from '../files/private-file.js';
import { readSmallFile } from '../files/read-small-file.js';
import { type Catalog, parseCatalog } from './catalog.js';

export const CATALOG_NAME = '.tinytap-catalog.json';

/** A month of 15-minute files is ~3,000 entries of a few hundred bytes each. */
const MAX_CATALOG_BYTES = 32 << 20;

export type CatalogRead = { catalog: Catalog } | { catalog: null; why: 'missing' | 'foreign' | 'unreadable' };

export function readCatalog(dir: string): CatalogRead {
  let text: string;
  try {
    // someone else's file where ours would be says nothing we can trust about our files
    const foreign = (st: Stats) => (!isOwnUid(st.uid, sudoOwner()) || st.mode & 0o022 ? FOREIGN : null);
    text = readSmallFile(join(dir, CATALOG_NAME), MAX_CATALOG_BYTES, { noFollow: true, check: foreign });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { catalog: null, why: e.code === 'ENOENT' ? 'missing' : e.message === FOREIGN ? 'foreign' : 'unreadable' };
  }
  const catalog = parseCatalog(text);
  return catalog ? { catalog } : { catalog: null, why: 'unreadable' };
}

const FOREIGN = 'not the user\'s own';

/** Whether the catalog may be written into `dir`: the user's own directory, writable by no one else. */
export function mayWriteCatalog(dir: string): boolean {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  return !!st?.isDirectory() && isOwnUid(st.uid, sudoOwner()) && (st.mode & 0o022) === 0;
}

/** Replace the catalog; false if it could not be (a read-only directory, a full disk): it is only a cache. */
export function writeCatalog(dir: string, catalog: Catalog): boolean {
  if (!mayWriteCatalog(dir)) return false;
  try {
    writePrivateFile(join(dir, CATALOG_NAME), `${JSON.stringify(catalog)}\n`, { owner: sudoOwner(), replace: true });
    return true;
  } catch {
    return false;
  }
}
