/** Opening a session for a command: exchanges built on first use, with a progress bar. */
import { lstatSync, readdirSync } from 'node:fs';

import { History } from '../history/history.js';
import type { DamageCounts } from '../session/damage.js';
import { Session } from '../session/session.js';
import { formatCount } from '../render/format.js';
import { term } from '../render/terminal-text.js';
import { progressBar, stderr, writeLine } from './terminal.js';

export function openSession(path: string, opts: { build?: boolean } = {}): Session {
  const bar = progressBar('building exchanges');
  let session: Session;
  try {
    session = Session.open(path, { build: opts.build ?? true, onBuildProgress: (d, t) => bar.update(d, t), onBuildStage: (what) => bar.stage(what) });
  } finally {
    bar.done();
  }
  // the exchanges were built from what could be read: say once, when they are built, what could not
  const damage = session.built?.damage;
  if (damage?.total) writeLine(stderr, term`tinytap: ${damageNote(path, damage.counts)}`);
  return session;
}

/** The search index, filled now with a progress line if the build left it for the first search. */
export function ensureTextIndex(session: Session): void {
  const bar = progressBar('building exchanges');
  try {
    session.ensureTextIndex((what) => bar.stage(what));
  } finally {
    bar.done();
  }
}

/** "2 blocks, 1 record": the kinds of damage found, for a message. */
export function damageCounts(d: DamageCounts): string {
  const parts: [number, string][] = [
    [d.blocks, 'block'],
    [d.records, 'record'],
    [d.rows, 'row'],
    [d.meta, 'meta value'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${formatCount(n)} ${unit}${n === 1 ? '' : 's'}`)
    .join(', ');
}

/** One line on what a build skipped (SPEC.md §4.1). */
export function damageNote(path: string, d: DamageCounts): string {
  return `${path} is damaged: ${damageCounts(d)} could not be read; the exchanges are built from the rest (tinytap info --check ${path})`;
}

/**
 * The sessions a reading command was given: FILE, DIR, or several of them before the filter.
 * The paths are the leading words that name an existing .tinytap file or a directory holding
 * one: a word of a filter or a search text that happens to name some other file is not taken.
 */
export function sessionPaths(first: string, words: string[]): { paths: string[]; rest: string[] } {
  let i = 0;
  const isPath = (w: string) => {
    const st = lstatSync(w, { throwIfNoEntry: false });
    if (st?.isFile()) return w.endsWith('.tinytap');
    return !!st?.isDirectory() && holdsSessions(w);
  };
  while (i < words.length && isPath(words[i])) i++;
  return { paths: [first, ...words.slice(0, i)], rest: words.slice(i) };
}

/** A history over the paths (history/history.ts), its files opened with the progress bar above. */
export function openHistory(paths: string[]): History {
  return History.open(paths, {
    open: (p) => openSession(p),
    note: (text) => writeLine(stderr, term`tinytap: ${text}`),
  });
}

function holdsSessions(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => n.endsWith('.tinytap'));
  } catch {
    return false;
  }
}
