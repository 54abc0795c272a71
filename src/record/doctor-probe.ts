/**
 * What `tinytap doctor` reads from this machine, and the one thing it does: start the real
 * recorder, filtered to no process, put the TLS probes on, and stop it. Only that proves the
 * verifier takes tinytap's programs and the kernel lets them attach.
 *
 * Each file read can be replaced through the environment, so that a test forces a failure
 * without changing the machine (tracefs is shared with whatever else runs; BTF cannot be taken
 * away). They change what is inspected only; the load check always uses the real kernel.
 *   TINYTAP_DOCTOR_KERNEL            a kernel release, instead of uname -r
 *   TINYTAP_DOCTOR_BTF               /sys/kernel/btf/vmlinux
 *   TINYTAP_DOCTOR_TRACEFS           the tracefs directory libbpf reads (/sys/kernel/tracing)
 *   TINYTAP_DOCTOR_FILESYSTEMS       /proc/filesystems
 *   TINYTAP_DOCTOR_STATUS            /proc/self/status (its CapEff line)
 *   TINYTAP_DOCTOR_UNPRIVILEGED_BPF  /proc/sys/kernel/unprivileged_bpf_disabled
 *   TINYTAP_DOCTOR_LOCKDOWN          /sys/kernel/security/lockdown
 *   TINYTAP_DOCTOR_LIMITS            /proc/self/limits
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { release } from 'node:os';

import { AddonMissingError, type NativeBinding, type NativeRecorderOptions, bindingPath, loadBinding, projectRoot } from './binding.js';
import type { AddonFacts, DoctorFacts, LoadTrial, TracefsFacts, Trial } from './doctor-checks.js';
import { toEndError } from './lifecycle.js';
import { BTF_PATH, CAP_SYS_ADMIN, canLoadBpf, ensureTracefs, hasCap, parseCapEff, tracefsDir } from './preflight.js';
import { TlsAttacher, type UprobeAttacher } from './tls-attacher.js';

function inspected(name: string, real: string): string {
  return process.env[`TINYTAP_DOCTOR_${name}`] || real;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // absent (no such setting on this kernel) or not ours to read
  }
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** What the tracefs directory holds: the syscall tracepoints, other events only, or nothing mounted. */
function tracefsContents(dir: string): TracefsFacts['contents'] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    return errnoOf(err) === 'ENOENT' ? 'missing' : 'unreadable';
  }
  if (!names.includes('events')) return 'not-mounted';
  try {
    return readdirSync(`${dir}/events`).includes('syscalls') ? 'syscalls' : 'no-syscalls';
  } catch {
    return 'unreadable';
  }
}

function readAddon(): AddonFacts {
  let path: string;
  try {
    path = bindingPath();
  } catch (err) {
    return { root: projectRoot, path: null, error: (err as Error).message.split('\n')[0] };
  }
  try {
    loadBinding();
    return { root: projectRoot, path, error: null };
  } catch (err) {
    return { root: projectRoot, path, error: err instanceof AddonMissingError ? err.reason : String(err) };
  }
}

export function readFacts(): DoctorFacts {
  const caps = parseCapEff(readText(inspected('STATUS', '/proc/self/status')) ?? '');
  const btf = inspected('BTF', BTF_PATH);
  const tracefs = inspected('TRACEFS', tracefsDir());
  const lockdown = inspected('LOCKDOWN', '/sys/kernel/security/lockdown');
  const filesystems = readText(inspected('FILESYSTEMS', '/proc/filesystems'));
  return {
    release: inspected('KERNEL', release()),
    btf: { path: btf, present: existsSync(btf) },
    tracefs: {
      dir: tracefs,
      contents: tracefsContents(tracefs),
      // unreadable: assume it is there, and let the load check say
      kernelHasTracefs: filesystems === null || /\ttracefs$/m.test(filesystems),
      canMount: hasCap(caps, CAP_SYS_ADMIN),
    },
    caps,
    uid: process.getuid?.() ?? -1,
    unprivilegedBpf: readText(inspected('UNPRIVILEGED_BPF', '/proc/sys/kernel/unprivileged_bpf_disabled')),
    lockdown: { path: lockdown, text: readText(lockdown) },
    limits: readText(inspected('LIMITS', '/proc/self/limits')),
    addon: readAddon(),
  };
}

/** record's own options (capture.ts start), but for no process and a small ring. */
const TRIAL_OPTIONS: NativeRecorderOptions = {
  maxPayload: 4096,
  ringBytes: 1 << 16,
  selfPid: process.pid,
  filterPids: true,
  pids: [],
  comms: [],
  ports: [],
  sendfileBodies: true,
  tls: true,
  verbose: false,
};

/** Finds the probes' offsets without attaching them: when the programs could not be loaded. */
const OFFSETS_ONLY: UprobeAttacher = {
  attachUprobes: (_path, probes) => probes.length,
  markMemoryBio: () => {},
};

function notLoaded(load: LoadTrial): Trial {
  return { load, tls: new TlsAttacher(OFFSETS_ONLY).start(), tlsAttached: false };
}

/**
 * What `record` does at start (preflight.ts ensureTracefs, capture.ts start, tls-attacher.ts),
 * then stop. Tried only with the privileges for it: without them the kernel's refusal says
 * nothing the privileges check has not said.
 */
export async function tryRecording(facts: DoctorFacts, verbose: boolean): Promise<Trial> {
  if (facts.addon.error !== null || facts.addon.path === null)
    return notLoaded({ outcome: 'not-tried', why: 'there is no addon to load them with', fix: 'see addon' });
  if (!canLoadBpf(facts.caps))
    return notLoaded({ outcome: 'not-tried', why: 'loading needs root or CAP_BPF+CAP_PERFMON', fix: 'see privileges' });
  const binding: NativeBinding = loadBinding();
  let mountedTracefs: boolean;
  try {
    mountedTracefs = ensureTracefs(binding) === 'mounted';
  } catch (err) {
    return notLoaded({ outcome: 'failed', error: toEndError(err) });
  }
  let recorder;
  try {
    recorder = new binding.Recorder({ ...TRIAL_OPTIONS, verbose }, () => {});
    recorder.start();
  } catch (err) {
    return notLoaded({ outcome: 'failed', error: toEndError(err) });
  }
  try {
    const features = recorder.features();
    const tls = new TlsAttacher(recorder).start();
    return { load: { outcome: 'loaded', features, mountedTracefs }, tls, tlsAttached: true };
  } finally {
    await recorder.stop();
  }
}
