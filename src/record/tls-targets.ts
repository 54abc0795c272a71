/**
 * Where TLS implementations are on this machine: the files to put uprobes on. A uprobe attaches
 * to a file (an inode) and every process that maps it, now or later, runs it; so each file is
 * looked at once. Libraries are told by name (libssl.so.*, libgnutls.so.*): the system's own
 * through the dynamic linker's cache (for processes started later), and every one a running
 * process maps, containers included (reached through /proc/PID/root, where another mount
 * namespace's libssl.so.3 is another inode). Executables with a TLS implementation of their own
 * (Go programs, Node.js) are told by their contents (tls-probes.ts): /proc/PID/exe names them.
 */
import { readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';

import type { TlsKind } from './tls-functions.js';

export interface TlsFile {
  /** A path that reaches the file from this mount namespace (through /proc/PID/... if need be). */
  path: string;
  /** The path as the processes that use it see it. */
  name: string;
  /** The file's identity: one look, and at most one attach, per inode. */
  key: string;
  /** The same identity as the kernel writes it (a device's major and minor, the inode). */
  id: FileId;
}

export interface FileId {
  major: number;
  minor: number;
  ino: number;
}

export interface TlsLibraryFile extends TlsFile {
  kind: Exclude<TlsKind, 'go'>;
}

/** The kind of TLS library a file name is, if it is one (libssl.so.3, libgnutls.so.30 ...). */
export function tlsLibraryKind(path: string): TlsLibraryFile['kind'] | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^libssl\.so(\.\d+)*$/.test(base)) return 'openssl';
  if (/^libgnutls\.so(\.\d+)*$/.test(base)) return 'gnutls';
  return null;
}

/** The file paths of a process's mappings (/proc/PID/maps, sixth column), deleted files left out. */
export function mappedFiles(maps: string): string[] {
  const out = new Set<string>();
  for (const line of maps.split('\n')) {
    const at = line.indexOf('/');
    if (at < 0) continue;
    const path = line.slice(at);
    if (!path.endsWith(' (deleted)')) out.add(path);
  }
  return [...out];
}

/**
 * Library paths the dynamic linker knows (/etc/ld.so.cache): what a process started later maps.
 * The cache's string table holds them NUL-terminated; reading the file spares running ldconfig,
 * which a recording would capture.
 */
export function linkerCachePaths(cache: Buffer): string[] {
  const out = new Set<string>();
  for (const m of cache.toString('latin1').matchAll(/\/[\x21-\x7e]+?(?=\0)/g)) out.add(m[0]);
  return [...out];
}

/**
 * A device number as glibc's stat gives it, split into major and minor (glibc's
 * gnu_dev_major/gnu_dev_minor): the kernel's own dev_t is laid out differently.
 */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return { major: Number(major & 0xffffffffn), minor: Number(minor & 0xffffffffn) };
}

/** The identity of the file at `path` (following links), or null when it is gone or not a file. */
/** A file's identity as a map key: its device and inode. */
export function fileKey(st: { dev: bigint; ino: bigint }): string {
  return `${st.dev}:${st.ino}`;
}

export function fileIdentity(path: string): { key: string; id: FileId } | null {
  try {
    const st = statSync(path, { bigint: true });
    if (!st.isFile()) return null;
    return { key: fileKey(st), id: { ...splitDev(st.dev), ino: Number(st.ino) } };
  } catch {
    return null; // gone, or not ours to see
  }
}

function readOr(path: string, fallback: Buffer): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return fallback;
  }
}

/** The TLS libraries the dynamic linker would give a process started now. */
export function systemTlsLibraries(cachePath = '/etc/ld.so.cache'): TlsLibraryFile[] {
  const out: TlsLibraryFile[] = [];
  for (const path of linkerCachePaths(readOr(cachePath, Buffer.alloc(0)))) {
    const kind = tlsLibraryKind(path);
    if (!kind) continue;
    let real: string;
    try {
      // libssl.so is a link to libssl.so.3: name the file itself
      real = realpathSync(path);
    } catch {
      continue; // a dangling link in the cache
    }
    const f = fileIdentity(real);
    if (f) out.push({ kind, path: real, name: real, ...f });
  }
  return out;
}

/** The TLS libraries a running process has mapped (none if it is gone). */
export function processTlsLibraries(pid: number, proc = '/proc'): TlsLibraryFile[] {
  let maps: string;
  try {
    maps = readFileSync(`${proc}/${pid}/maps`, 'utf8');
  } catch {
    return []; // exited, or a kernel thread
  }
  const out: TlsLibraryFile[] = [];
  for (const name of mappedFiles(maps)) {
    const kind = tlsLibraryKind(name);
    if (!kind) continue;
    const path = `${proc}/${pid}/root${name}`;
    const f = fileIdentity(path);
    if (f) out.push({ kind, path, name, ...f });
  }
  return out;
}

/** The program a process runs, reached through /proc/PID/exe (which works across namespaces). */
export function processExecutable(pid: number, proc = '/proc'): TlsFile | null {
  const path = `${proc}/${pid}/exe`;
  const f = fileIdentity(path);
  if (!f) return null;
  let name = path;
  try {
    name = readlinkSync(path);
  } catch {
    // a kernel thread, or gone: the /proc path names it
  }
  return { path, name, ...f };
}

/** The pids of running processes. */
export function runningPids(proc = '/proc'): number[] {
  try {
    return readdirSync(proc)
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}
