/**
 * The TLS library a plaintext record came from, in words: its kind from the record, and the
 * file and version from the session's `tls` meta, which lists every file the recorder watched by
 * the number the kernel wrote into the record (aux_fd >> 8, SPEC.md §2.9). A file from someone
 * else may hold anything there: only what has the expected shape is used.
 */
import type Database from 'better-sqlite3';

import { TLS_LIB_NAMES } from '../events/layout.js';
import { metaValue } from './recorder-alive.js';

export class TlsLibraryNames {
  private byNumber = new Map<number, string>();
  private readonly looked = new Set<number>();

  constructor(private readonly db: Database.Database | null) {
    this.load();
  }

  /** The names known now, to hand to a worker (parallel-build.ts): a build reads one snapshot. */
  known(): [number, string][] {
    return [...this.byNumber];
  }

  /** Names handed over by known(), with no file to look in again. */
  static of(known: [number, string][]): TlsLibraryNames {
    const names = new TlsLibraryNames(null);
    for (const [n, name] of known) names.byNumber.set(n, name);
    return names;
  }

  /** 'openssl 3.0.19', 'gnutls 3.7.9', 'go crypto/tls go1.19.8', or the kind alone. */
  name(auxFd: number): string | null {
    const kind = TLS_LIB_NAMES[auxFd & 0xff] ?? null;
    const number = auxFd >>> 8;
    if (!kind || number === 0) return kind;
    // a recording in progress adds files (the meta naming one is committed no later than its
    // first record): look again, once, for a number not seen yet
    if (!this.byNumber.has(number) && !this.looked.has(number) && this.looked.size < 4096) {
      this.looked.add(number);
      this.load();
    }
    return this.byNumber.get(number) ?? kind;
  }

  private load(): void {
    if (!this.db) return;
    let meta: unknown;
    try {
      meta = metaValue(this.db, 'tls');
    } catch {
      return;
    }
    const libs = (meta as { libraries?: unknown } | null)?.libraries;
    if (!Array.isArray(libs)) return;
    for (const l of libs as Record<string, unknown>[]) {
      if (typeof l?.number !== 'number' || l.number <= 0) continue;
      const version = typeof l.version === 'string' ? l.version.slice(0, 64) : null;
      const kind = l.kind === 'go' ? TLS_LIB_NAMES[3] : typeof l.kind === 'string' ? l.kind.slice(0, 16) : null;
      if (!kind) continue;
      this.byNumber.set(l.number, l.kind === 'go' ? `${kind}${version ? ` ${version}` : ''}` : (version ?? kind));
    }
  }
}
