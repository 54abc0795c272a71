// `tinytap doctor` on this machine: every check ok or a warning, the eBPF programs really loaded;
// then each check forced to fail (through its TINYTAP_DOCTOR_* override, or by running without
// capabilities) says what it found and the fix on its one line, and the exit is 1. The real
// tracefs is left mounted: other tests use it.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { CLI, describeCapture, tempDir } from './harness.js';

interface Line {
  status: string;
  check: string;
  text: string;
}

interface Doctor {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Line[];
}

/** `tinytap doctor ARGS`, with `env` added and, before node, a command that changes how it runs (setpriv). */
function doctor(args: string[] = [], env: NodeJS.ProcessEnv = {}, wrapper: string[] = []): Promise<Doctor> {
  const argv = [...wrapper, process.execPath, CLI, 'doctor', ...args];
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      const lines = stdout
        .trimEnd()
        .split('\n')
        .map((l) => /^(ok|warn|FAIL) +(\S+) +(.*)$/.exec(l))
        .map((m) => (m ? { status: m[1], check: m[2], text: m[3] } : { status: '?', check: '?', text: '' }));
      resolve({ code, stdout, stderr, lines });
    });
  });
}

function line(d: Doctor, check: string): Line {
  const found = d.lines.find((l) => l.check === check);
  if (!found) throw new Error(`no ${check} line in:\n${d.stdout}${d.stderr}`);
  return found;
}

const failing = (d: Doctor) => d.lines.filter((l) => l.status === 'FAIL').map((l) => l.check);

/** Root with every capability taken away, as a container or a careless service file leaves it. */
const NO_CAPS = ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all'];
/** CAP_BPF and CAP_PERFMON only: enough to load, not to mount tracefs. */
const BPF_ONLY = ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all,+bpf,+perfmon'];

describeCapture('tinytap doctor', () => {
  it('on this machine: every line ok or warn, the programs loaded and attached, exit 0', async () => {
    const d = await doctor();
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(d.stderr).toBe('');
    expect(d.lines.every((l) => l.status === 'ok' || l.status === 'warn'), d.stdout).toBe(true);
    for (const check of ['kernel', 'btf', 'privileges', 'addon', 'bpf-load', 'sendfile-bodies']) expect(line(d, check).status, d.stdout).toBe('ok');
    expect(line(d, 'bpf-load').text).toMatch(/^tinytap's programs loaded and attached/);
    expect(line(d, 'addon').text).toMatch(/^(build\/Release|prebuilds\/linux-x64)\/\S+\.node \((built from source|a prebuild)\)$/);
    // the machine's OpenSSL (curl's) is found and its probes are really put on
    expect(d.lines.some((l) => l.check === 'tls' && l.status === 'ok' && /libssl\.so\.3 \(openssl 3\.\S+\): SSL_write, SSL_read and \d+ more attached$/.test(l.text)), d.stdout).toBe(true);
  });

  it('--json: an array of {check, status, found, fix}, the same verdicts', async () => {
    const d = await doctor(['--json']);
    expect(d.code).toBe(0);
    const results = JSON.parse(d.stdout) as { check: string; status: string; found: string; fix: string | null }[];
    expect(results.length).toBeGreaterThanOrEqual(11);
    for (const r of results) {
      expect(Object.keys(r)).toEqual(['check', 'status', 'found', 'fix']);
      expect(['ok', 'warn']).toContain(r.status);
      expect(r.fix === null).toBe(r.status === 'ok');
    }
    expect(results.find((r) => r.check === 'bpf-load')?.status).toBe('ok');
  });

  it('BTF missing: FAIL with the kernel option, exit 1', async () => {
    const d = await doctor([], { TINYTAP_DOCTOR_BTF: '/nonexistent/vmlinux' });
    expect(d.code).toBe(1);
    expect(failing(d)).toEqual(['btf']);
    expect(line(d, 'btf').text).toBe(
      '/nonexistent/vmlinux is missing: this kernel has no BTF; fix: boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (tinytap reads kernel structs through it)',
    );
  });

  it('tracefs not mounted: a warning that record mounts it; a failure where it cannot be mounted (no CAP_SYS_ADMIN)', async () => {
    const empty = join(tempDir(), 'tracing');
    mkdirSync(empty);
    // two processes at once: each takes seconds, most of them detaching its uprobes
    const [asRoot, bpfOnly] = await Promise.all([doctor([], { TINYTAP_DOCTOR_TRACEFS: empty }), doctor([], { TINYTAP_DOCTOR_TRACEFS: empty }, BPF_ONLY)]);
    expect(asRoot.code, asRoot.stdout).toBe(0);
    expect(line(asRoot, 'tracefs')).toEqual({
      status: 'warn',
      check: 'tracefs',
      text: `not mounted at ${empty}; fix: none needed: tinytap record mounts it (or run 'mount -t tracefs tracefs ${empty}')`,
    });

    expect(bpfOnly.code).toBe(1);
    expect(line(bpfOnly, 'privileges').status).toBe('ok');
    expect(line(bpfOnly, 'tracefs')).toEqual({
      status: 'FAIL',
      check: 'tracefs',
      text: `not mounted at ${empty}, and mounting it needs CAP_SYS_ADMIN; fix: run 'mount -t tracefs tracefs ${empty}' as root, or run tinytap record as root (it mounts it)`,
    });
  });

  it('no capability (root with all of them dropped): privileges FAIL with the fix, nothing loaded, exit 1', async () => {
    const d = await doctor([], {}, NO_CAPS);
    expect(d.code).toBe(1);
    expect(failing(d)).toEqual(['privileges']);
    expect(line(d, 'privileges').text).toBe(
      "root with none of CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON; fix: give tinytap CAP_BPF and CAP_PERFMON, or all of root's (a container, or setpriv/capsh, took them away)",
    );
    expect(line(d, 'bpf-load')).toMatchObject({ status: 'warn', text: 'not tried: loading needs root or CAP_BPF+CAP_PERFMON; fix: see privileges' });
    // the TLS libraries are still looked at: their functions found, not attached
    expect(d.lines.some((l) => l.check === 'tls' && l.text.endsWith('found (not attached: the programs were not loaded)'))).toBe(true);
  });

  it('an old kernel, confidentiality lockdown, no addon: each FAILs with its fix', async () => {
    const lockdown = join(tempDir(), 'lockdown');
    writeFileSync(lockdown, 'none integrity [confidentiality]\n');
    const [old, locked, none] = await Promise.all([
      doctor([], { TINYTAP_DOCTOR_KERNEL: '5.10.0-33-amd64' }),
      doctor([], { TINYTAP_DOCTOR_LOCKDOWN: lockdown }),
      // node-gyp-build looks for TINYTAP_PREBUILD's addon instead of the package's own
      doctor([], { TINYTAP_PREBUILD: '/nonexistent' }),
    ]);
    expect(old.code).toBe(1);
    expect(failing(old)).toEqual(['kernel']);
    expect(line(old, 'kernel').text).toBe("Linux 5.10.0-33-amd64, older than 5.17; fix: upgrade to Linux 5.17 or newer (tinytap's programs need bpf_loop)");

    expect(locked.code).toBe(1);
    expect(failing(locked)).toEqual(['lockdown']);
    expect(line(locked, 'lockdown').text).toMatch(/^confidentiality: .*; fix: boot without lockdown=confidentiality/);

    expect(none.code).toBe(1);
    expect(failing(none)).toEqual(['addon']);
    expect(line(none, 'addon').text).toMatch(/^no native addon for this machine \(No native build was found for .*\); fix: build it from source/);
    expect(line(none, 'bpf-load').text).toBe('not tried: there is no addon to load them with; fix: see addon');
  });
});
