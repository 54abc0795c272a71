/**
 * Checks made before the BPF programs are loaded, each failing with the one line that says what
 * to do; the kernel's own errors (EPERM from the verifier...) are worded in errors.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';

import type { NativeBinding } from './binding.js';

export class SetupError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** bpf_loop (walking iovec arrays without tripping the verifier) arrived in Linux 5.17. */
export const MIN_KERNEL: [number, number] = [5, 17];

export const CAP_SYS_ADMIN = 21n;
export const CAP_PERFMON = 38n;
export const CAP_BPF = 39n;

/** The effective capabilities in a /proc/PID/status text (its CapEff line, hex). */
export function parseCapEff(status: string): bigint {
  const line = status.split('\n').find((l) => l.startsWith('CapEff:'));
  return line ? BigInt('0x' + line.split(/\s+/)[1]) : 0n;
}

function effectiveCaps(): bigint {
  return parseCapEff(readFileSync('/proc/self/status', 'utf8'));
}

export function hasCap(caps: bigint, cap: bigint): boolean {
  return ((caps >> cap) & 1n) === 1n;
}

/** Root's CAP_SYS_ADMIN, or the two capabilities Linux 5.8 split out of it for tracing with BPF. */
export function canLoadBpf(caps: bigint): boolean {
  return hasCap(caps, CAP_SYS_ADMIN) || (hasCap(caps, CAP_BPF) && hasCap(caps, CAP_PERFMON));
}

export function checkPrivileges(caps = effectiveCaps()): void {
  if (canLoadBpf(caps)) return;
  throw new SetupError(
    'EPERM',
    'tinytap record needs root to load eBPF programs: run it with sudo (or grant CAP_BPF and CAP_PERFMON)',
  );
}

export function parseKernelVersion(text: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function kernelAtLeast(v: [number, number], min: [number, number]): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

export function checkKernel(version = release()): void {
  const v = parseKernelVersion(version);
  if (v && !kernelAtLeast(v, MIN_KERNEL))
    throw new SetupError(
      'EKERNEL',
      `Linux ${version} is too old: tinytap needs Linux ${MIN_KERNEL.join('.')} or newer with BTF`,
    );
}

export const BTF_PATH = '/sys/kernel/btf/vmlinux';

export function checkBtf(path = BTF_PATH): void {
  if (!existsSync(path))
    throw new SetupError(
      'ENOBTF',
      `this kernel has no BTF (${path} is missing): tinytap needs a kernel built with CONFIG_DEBUG_INFO_BTF=y`,
    );
}

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

/** Where libbpf looks for tracefs: libbpf 1.1 prefers the debugfs path whenever it exists. */
export function tracefsDir(): string {
  return existsSync(DEBUGFS_TRACING) ? DEBUGFS_TRACING : TRACEFS;
}

export function hasSyscallTracepoints(where: string): boolean {
  return existsSync(`${where}/events/syscalls`);
}

/**
 * libbpf finds a syscall tracepoint's id in tracefs; a fresh machine often has it unmounted
 * (/sys/kernel/tracing is empty), so mount it ourselves where we can.
 */
export function ensureTracefs(binding: NativeBinding): 'present' | 'mounted' {
  const where = tracefsDir();
  if (hasSyscallTracepoints(where)) return 'present';
  try {
    binding.mountTracefs(where);
  } catch (err) {
    throw new SetupError(
      'ENOTRACEFS',
      `tracefs is not mounted and mounting it failed (${(err as Error).message}): run 'mount -t tracefs tracefs ${where}' as root`,
    );
  }
  if (!hasSyscallTracepoints(where))
    throw new SetupError(
      'ENOTRACEFS',
      `this kernel has no syscall tracepoints in ${where}/events/syscalls: it needs CONFIG_FTRACE_SYSCALLS=y`,
    );
  return 'mounted';
}

/** Everything a recording needs before load, in the order a user would fix it. */
export function preflight(binding: NativeBinding): void {
  if (process.platform !== 'linux') throw new SetupError('EPLATFORM', 'tinytap records on Linux only');
  checkPrivileges();
  checkKernel();
  checkBtf();
  ensureTracefs(binding);
}
