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

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

function effectiveCaps(): bigint {
  const status = readFileSync('/proc/self/status', 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('CapEff:'));
  return line ? BigInt('0x' + line.split(/\s+/)[1]) : 0n;
}

function hasCap(caps: bigint, cap: bigint): boolean {
  return ((caps >> cap) & 1n) === 1n;
}

export function checkPrivileges(caps = effectiveCaps()): void {
  const admin = hasCap(caps, CAP_SYS_ADMIN);
  if (admin || (hasCap(caps, CAP_BPF) && hasCap(caps, CAP_PERFMON))) return;
  throw new SetupError(
    'EPERM',
    'tinytap record needs root to load eBPF programs: run it with sudo (or grant CAP_BPF and CAP_PERFMON)',
  );
}

export function parseKernelVersion(text: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function checkKernel(version = release()): void {
  const v = parseKernelVersion(version);
  if (v && (v[0] < MIN_KERNEL[0] || (v[0] === MIN_KERNEL[0] && v[1] < MIN_KERNEL[1])))
    throw new SetupError(
      'EKERNEL',
      `Linux ${version} is too old: tinytap needs Linux ${MIN_KERNEL.join('.')} or newer with BTF`,
    );
}

export function checkBtf(path = '/sys/kernel/btf/vmlinux'): void {
  if (!existsSync(path))
    throw new SetupError(
      'ENOBTF',
      `this kernel has no BTF (${path} is missing): tinytap needs a kernel built with CONFIG_DEBUG_INFO_BTF=y`,
    );
}

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

/**
 * libbpf finds a syscall tracepoint's id in tracefs; a fresh machine often has it unmounted
 * (/sys/kernel/tracing is empty), so mount it ourselves where we can.
 */
export function ensureTracefs(binding: NativeBinding): 'present' | 'mounted' {
  // libbpf 1.1 prefers the debugfs path whenever it exists
  const where = existsSync(DEBUGFS_TRACING) ? DEBUGFS_TRACING : TRACEFS;
  if (existsSync(`${where}/events/syscalls`)) return 'present';
  try {
    binding.mountTracefs(where);
  } catch (err) {
    throw new SetupError(
      'ENOTRACEFS',
      `tracefs is not mounted and mounting it failed (${(err as Error).message}): run 'mount -t tracefs tracefs ${where}' as root`,
    );
  }
  if (!existsSync(`${where}/events/syscalls`))
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
