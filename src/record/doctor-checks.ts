/**
 * What `tinytap doctor` concludes from what it read (doctor-probe.ts reads it): one result per
 * check, with the fix for anything not ok. Pure, so every verdict is tested without root and on
 * any kernel.
 */
import { relative, sep } from 'node:path';

import { type CodedError, recordErrorParts } from './errors.js';
import { CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, MIN_KERNEL, hasCap, kernelAtLeast, parseKernelVersion } from './preflight.js';
import type { TlsLibraryEntry } from './tls-attacher.js';
import { TLS_FUNCTIONS } from './tls-functions.js';

export type Status = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: Status;
  found: string;
  /** What to do; null when ok. */
  fix: string | null;
  /** libbpf's last lines when the programs did not load (shown under --verbose). */
  log?: string;
}

const ok = (check: string, found: string): CheckResult => ({ check, status: 'ok', found, fix: null });
const warn = (check: string, found: string, fix: string): CheckResult => ({ check, status: 'warn', found, fix });
const fail = (check: string, found: string, fix: string): CheckResult => ({ check, status: 'fail', found, fix });

const MIN = MIN_KERNEL.join('.');

export function kernelCheck(release: string): CheckResult {
  const v = parseKernelVersion(release);
  if (!v) return warn('kernel', `Linux ${release}: not a version tinytap can read`, `tinytap needs Linux ${MIN} or newer; check uname -r`);
  if (!kernelAtLeast(v, MIN_KERNEL))
    return fail('kernel', `Linux ${release}, older than ${MIN}`, `upgrade to Linux ${MIN} or newer (tinytap's programs need bpf_loop)`);
  return ok('kernel', `Linux ${release} (${MIN} or newer needed)`);
}

export function btfCheck(path: string, present: boolean): CheckResult {
  if (!present)
    return fail('btf', `${path} is missing: this kernel has no BTF`, 'boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (tinytap reads kernel structs through it)');
  return ok('btf', `${path} present`);
}

export interface TracefsFacts {
  /** The directory libbpf reads tracepoint ids from. */
  dir: string;
  contents: 'syscalls' | 'no-syscalls' | 'not-mounted' | 'missing' | 'unreadable';
  /** /proc/filesystems lists tracefs. */
  kernelHasTracefs: boolean;
  /** CAP_SYS_ADMIN: mounting needs it. */
  canMount: boolean;
}

const NO_SYSCALL_TRACEPOINTS = 'boot a kernel built with CONFIG_FTRACE_SYSCALLS=y (tinytap attaches to the syscall tracepoints)';

/** `record` mounts tracefs itself (preflight.ts ensureTracefs): not mounted is a failure only when it cannot. */
export function tracefsCheck(f: TracefsFacts): CheckResult {
  const mount = `mount -t tracefs tracefs ${f.dir}`;
  switch (f.contents) {
    case 'syscalls':
      return ok('tracefs', `mounted at ${f.dir}, with the syscall tracepoints`);
    case 'no-syscalls':
      return fail('tracefs', `mounted at ${f.dir}, but without syscall tracepoints`, NO_SYSCALL_TRACEPOINTS);
    case 'unreadable':
      return warn('tracefs', `cannot look into ${f.dir} (permission denied)`, 'run tinytap doctor as root to see');
    case 'missing':
      return fail('tracefs', `${f.dir} does not exist: there is nowhere to mount tracefs`, NO_SYSCALL_TRACEPOINTS);
    case 'not-mounted':
      if (!f.kernelHasTracefs) return fail('tracefs', 'this kernel has no tracefs (/proc/filesystems does not list it)', NO_SYSCALL_TRACEPOINTS);
      if (!f.canMount)
        return fail('tracefs', `not mounted at ${f.dir}, and mounting it needs CAP_SYS_ADMIN`, `run '${mount}' as root, or run tinytap record as root (it mounts it)`);
      return warn('tracefs', `not mounted at ${f.dir}`, `none needed: tinytap record mounts it (or run '${mount}')`);
  }
}

const CAP_NAMES: [bigint, string][] = [
  [CAP_SYS_ADMIN, 'CAP_SYS_ADMIN'],
  [CAP_BPF, 'CAP_BPF'],
  [CAP_PERFMON, 'CAP_PERFMON'],
];

/** Root's CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON (the same rule as preflight.ts canLoadBpf). */
export function privilegesCheck(caps: bigint, uid: number): CheckResult {
  const who = uid === 0 ? 'root' : `uid ${uid}`;
  const held = CAP_NAMES.filter(([cap]) => hasCap(caps, cap)).map(([, name]) => name);
  if (hasCap(caps, CAP_SYS_ADMIN)) return ok('privileges', `${who} with CAP_SYS_ADMIN`);
  if (hasCap(caps, CAP_BPF) && hasCap(caps, CAP_PERFMON))
    return ok('privileges', `${who} with CAP_BPF and CAP_PERFMON (without CAP_SYS_ADMIN tinytap cannot mount tracefs itself)`);
  const found = `${who} with ${held.length ? `only ${held.join(' and ')}` : 'none of CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON'}`;
  const fix =
    uid === 0
      ? "give tinytap CAP_BPF and CAP_PERFMON, or all of root's (a container, or setpriv/capsh, took them away)"
      : 'run it as root: sudo tinytap record (or grant CAP_BPF and CAP_PERFMON)';
  return fail('privileges', found, fix);
}

const UNPRIVILEGED_BPF: Record<string, string> = {
  '0': 'users without CAP_BPF may load some BPF programs',
  '1': 'only CAP_BPF may load BPF programs, until reboot',
  '2': 'only CAP_BPF may load BPF programs',
};

/**
 * kernel.unprivileged_bpf_disabled only says what users without CAP_BPF may load: never
 * tracing programs, so tinytap needs its privileges whatever it says. Informational.
 */
export function unprivilegedBpfCheck(value: string | null): CheckResult {
  if (value === null) return ok('unprivileged-bpf', 'no such setting on this kernel (tinytap needs root or CAP_BPF+CAP_PERFMON anyway)');
  const v = value.trim();
  const meaning = UNPRIVILEGED_BPF[v] ?? 'a value tinytap does not know';
  return ok('unprivileged-bpf', `${v.slice(0, 20)}: ${meaning} (no matter: tinytap's tracing programs need root or CAP_BPF+CAP_PERFMON)`);
}

/** The mode in brackets of /sys/kernel/security/lockdown ("none [integrity] confidentiality"). */
export function parseLockdown(text: string): string | null {
  return /\[([a-z]+)\]/.exec(text)?.[1] ?? null;
}

export function lockdownCheck(path: string, text: string | null): CheckResult {
  if (text === null) return ok('lockdown', `not in force as far as can be seen (${path} is absent: no lockdown, or securityfs is not mounted)`);
  const mode = parseLockdown(text);
  if (mode === 'confidentiality')
    return fail(
      'lockdown',
      'confidentiality: the kernel forbids BPF programs to read kernel and process memory, which capture does',
      'boot without lockdown=confidentiality (a kernel command line or Secure Boot policy): it cannot be lifted while running',
    );
  if (mode === null) return warn('lockdown', `${path} says ${text.trim().slice(0, 60)}: no mode in brackets`, 'the bpf-load check below shows whether BPF works');
  return ok('lockdown', mode === 'none' ? 'none' : `${mode} (BPF may still read memory)`);
}

/** RLIMIT_MEMLOCK's soft limit from /proc/PID/limits, in bytes (Infinity when unlimited). */
export function parseMemlock(limits: string): number | null {
  const m = /^Max locked memory\s+(\S+)/m.exec(limits);
  if (!m) return null;
  return m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/** Since Linux 5.11 BPF memory is charged to the memory cgroup and RLIMIT_MEMLOCK no longer applies to it. */
const MEMCG_ACCOUNTING: [number, number] = [5, 11];

export function memlockCheck(limits: string | null, release: string): CheckResult {
  const bytes = limits === null ? null : parseMemlock(limits);
  const shown = bytes === null ? 'not known' : bytes === Infinity ? 'unlimited' : `${Math.round(bytes / 1024)} KiB`;
  const v = parseKernelVersion(release);
  if (v && kernelAtLeast(v, MEMCG_ACCOUNTING)) return ok('memlock', `${shown} (no matter: since Linux 5.11 BPF memory is charged to the memory cgroup)`);
  if (bytes === Infinity) return ok('memlock', shown);
  return warn('memlock', `${shown}: before Linux 5.11 the ring buffer and maps count against it`, "raise it before recording: 'ulimit -l unlimited' (LimitMEMLOCK=infinity in a systemd unit)");
}

/** What node-gyp-build resolved (binding.ts bindingPath) and whether it loaded. */
export interface AddonFacts {
  root: string;
  path: string | null;
  error: string | null;
}

const BUILD_IT = 'build it from source: ./setup.sh (installs what the build needs), or npm run build';

export function addonCheck(a: AddonFacts): CheckResult {
  if (a.path === null) return fail('addon', `no native addon for this machine (${a.error ?? 'none found'})`, BUILD_IT);
  const shown = a.path.startsWith(a.root) ? relative(a.root, a.path) : a.path;
  const origin = a.path.split(sep).includes('prebuilds') ? 'a prebuild' : 'built from source';
  if (a.error !== null) return fail('addon', `${shown} (${origin}) does not load: ${a.error}`, BUILD_IT);
  return ok('addon', `${shown} (${origin})`);
}

/** Starting the real recorder, filtered to no process (doctor-probe.ts tryRecording). */
export type LoadTrial =
  | { outcome: 'loaded'; features: { sendfileBodies: boolean; sendfileBodiesNote: string }; mountedTracefs: boolean }
  | { outcome: 'failed'; error: CodedError }
  | { outcome: 'not-tried'; why: string; fix: string };

export function bpfLoadCheck(t: LoadTrial): CheckResult {
  switch (t.outcome) {
    case 'loaded':
      return ok('bpf-load', `tinytap's programs loaded and attached${t.mountedTracefs ? ' (tracefs was mounted for them, as record does)' : ''}`);
    case 'not-tried':
      return warn('bpf-load', `not tried: ${t.why}`, t.fix);
    case 'failed': {
      const { what, fix } = recordErrorParts(t.error);
      const result = fail('bpf-load', what, fix ?? 'run with --verbose to see libbpf\'s last lines');
      return t.error.libbpfLog ? { ...result, log: t.error.libbpfLog.trimEnd() } : result;
    }
  }
}

export function sendfileCheck(t: LoadTrial): CheckResult {
  if (t.outcome !== 'loaded') return warn('sendfile-bodies', 'not known: the programs were not loaded', 'see bpf-load');
  if (t.features.sendfileBodies) return ok('sendfile-bodies', 'captured (tcp:tcp_sendmsg_locked)');
  return warn(
    'sendfile-bodies',
    t.features.sendfileBodiesNote || 'not captured',
    'none unless you need what sendfile/splice sends (static files from nginx...): the rest is captured, and their sizes',
  );
}

function listed(names: string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/** The functions without which a library's plaintext cannot be read, for the fix. */
function requiredFunctions(kind: TlsLibraryEntry['kind']): string {
  if (kind === 'go') return "crypto/tls's (*Conn).Read and Write in its symbol table";
  return TLS_FUNCTIONS[kind]
    .filter((f) => f.required)
    .map((f) => f.symbol)
    .join(' and ');
}

/** tls-attacher.ts's words for a probe the kernel refused: "SSL_write: cannot attach at offset 219584: Permission denied". */
const ATTACH_FAILURE = /^([^:]+): cannot attach at offset \d+: /;

/** Attach failures without their offsets, and one reason once when every function failed for it. */
function shortError(error: string, allFailed: boolean): { text: string; refused: boolean } {
  const parts = error.split('; ');
  const failures = parts.flatMap((part) => {
    const m = ATTACH_FAILURE.exec(part);
    return m ? [{ label: m[1], why: part.slice(m[0].length) }] : [];
  });
  // a reason of the file's own (no SSL_write in it): said as it is
  if (failures.length !== parts.length) return { text: error, refused: false };
  const whys = new Set(failures.map((f) => f.why));
  if (allFailed && whys.size === 1) return { text: `cannot attach: ${[...whys][0]}`, refused: true };
  return { text: failures.map((f) => `${f.label}: ${f.why}`).join('; '), refused: true };
}

/**
 * One line per TLS implementation found (tls-attacher.ts entries): `attached` when the probes
 * were really put on, otherwise their offsets were only found.
 */
export function tlsChecks(entries: TlsLibraryEntry[], attached: boolean): CheckResult[] {
  if (entries.length === 0)
    return [ok('tls', 'no TLS library found (no libssl or libgnutls in the linker cache or any running process): TLS traffic is recorded encrypted')];
  return entries.map((e) => {
    const name = `${e.name} (${e.version ?? e.kind})`;
    const { text: error, refused } = e.error === null ? { text: null, refused: false } : shortError(e.error, e.functions.length === 0);
    const fix = refused
      ? "its TLS traffic is recorded encrypted where the kernel refused the uprobes: tinytap doctor -v shows libbpf's reasons"
      : `its TLS traffic is recorded encrypted; tinytap reads plaintext at ${requiredFunctions(e.kind)}`;
    if (e.functions.length === 0) return warn('tls', `${name}: ${error ?? 'nothing to watch'}`, fix);
    const found = `${name}: ${listed(e.functions)} ${attached ? 'attached' : 'found (not attached: the programs were not loaded)'}`;
    return error ? warn('tls', `${found}; ${error}`, fix) : ok('tls', found);
  });
}

/** Everything read from the machine (doctor-probe.ts readFacts). */
export interface DoctorFacts {
  release: string;
  btf: { path: string; present: boolean };
  tracefs: TracefsFacts;
  caps: bigint;
  uid: number;
  unprivilegedBpf: string | null;
  lockdown: { path: string; text: string | null };
  limits: string | null;
  addon: AddonFacts;
}

/** What starting the recorder showed (doctor-probe.ts tryRecording). */
export interface Trial {
  load: LoadTrial;
  tls: TlsLibraryEntry[];
  /** The TLS probes were really attached (else only their offsets were found). */
  tlsAttached: boolean;
}

/** Every check, in the order a user would fix them: the kernel, access to it, then what runs on it. */
export function doctorChecks(f: DoctorFacts, t: Trial): CheckResult[] {
  return [
    kernelCheck(f.release),
    btfCheck(f.btf.path, f.btf.present),
    tracefsCheck(f.tracefs),
    privilegesCheck(f.caps, f.uid),
    unprivilegedBpfCheck(f.unprivilegedBpf),
    lockdownCheck(f.lockdown.path, f.lockdown.text),
    memlockCheck(f.limits, f.release),
    addonCheck(f.addon),
    bpfLoadCheck(t.load),
    sendfileCheck(t.load),
    ...tlsChecks(t.tls, t.tlsAttached),
  ];
}
