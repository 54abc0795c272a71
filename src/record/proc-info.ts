/**
 * What /proc says about a process, read when the capture first names it. A short-lived process
 * (curl) may be gone by then; the caller falls back on what the kernel captured at that moment
 * (its command line, comm, parent and cgroup id), so nothing is lost but the executable path.
 */
import { readFileSync, readlinkSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcInfo {
  ppid: number;
  comm: string;
  argv: string[];
  exe: string | null;
  cgroup: string | null;
}

function readOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** Fields of /proc/PID/stat after the parenthesised comm (which may itself hold ") "). */
export function statFields(pid: number): { comm: string; rest: string[] } | null {
  const stat = readOr(() => readFileSync(`/proc/${pid}/stat`, 'latin1'), '');
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  return { comm: stat.slice(open + 1, close), rest: stat.slice(close + 2).split(' ') };
}

export function cgroupPathOf(pid: number): string | null {
  const text = readOr(() => readFileSync(`/proc/${pid}/cgroup`, 'utf8'), '');
  // cgroup v2 is the "0::" line; a v1-only system has none and we say nothing rather than guess
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3) : null;
}

export function readProcInfo(pid: number): ProcInfo | null {
  const stat = statFields(pid);
  if (!stat) return null;
  const raw = readOr(() => readFileSync(`/proc/${pid}/cmdline`), Buffer.alloc(0));
  const argv = raw.length ? raw.toString('utf8').split('\0') : [];
  if (argv.length && argv[argv.length - 1] === '') argv.pop();
  return {
    ppid: Number(stat.rest[1]),
    comm: stat.comm,
    argv,
    exe: readOr(() => readlinkSync(`/proc/${pid}/exe`), null),
    cgroup: cgroupPathOf(pid),
  };
}

/**
 * cgroup v2 ids are the inode numbers of the cgroup directories: find the path of an id by
 * walking /sys/fs/cgroup, once per miss (a process that exited left only its id behind).
 */
export function cgroup2Mount(mounts = readOr(() => readFileSync('/proc/mounts', 'utf8'), '')): string | null {
  // /sys/fs/cgroup on a unified system, /sys/fs/cgroup/unified on a hybrid one
  const line = mounts.split('\n').find((l) => l.split(' ')[2] === 'cgroup2');
  return line ? line.split(' ')[1] : null;
}

export class CgroupResolver {
  private byId = new Map<bigint, string>();
  private lastScan = 0;

  constructor(private readonly root = cgroup2Mount()) {}

  resolve(id: bigint): string | null {
    if (!this.root) return null;
    const hit = this.byId.get(id);
    if (hit !== undefined) return hit;
    const now = Date.now();
    if (now - this.lastScan < 1000) return null;
    this.lastScan = now;
    this.scan(this.root, '/', 0);
    return this.byId.get(id) ?? null;
  }

  private scan(dir: string, path: string, depth: number): void {
    if (depth > 16) return;
    const st = readOr(() => statSync(dir, { bigint: true }), null);
    if (!st) return;
    this.byId.set(st.ino, path);
    for (const entry of readOr(() => readdirSync(dir, { withFileTypes: true }), [])) {
      if (entry.isDirectory())
        this.scan(join(dir, entry.name), path === '/' ? `/${entry.name}` : `${path}/${entry.name}`, depth + 1);
    }
  }
}
