// What `tinytap doctor` concludes from what it read: each check passing, and failing with its fix.
import { describe, expect, it } from 'vitest';

import {
  type CheckResult,
  type DoctorFacts,
  type TracefsFacts,
  addonCheck,
  bpfLoadCheck,
  btfCheck,
  doctorChecks,
  kernelCheck,
  lockdownCheck,
  memlockCheck,
  parseLockdown,
  parseMemlock,
  privilegesCheck,
  sendfileCheck,
  tlsChecks,
  tracefsCheck,
  unprivilegedBpfCheck,
} from '../../src/record/doctor-checks.js';
import type { TlsLibraryEntry } from '../../src/record/tls-attacher.js';

const ALL_CAPS = 0x1fffeffffffn;
const BPF_PERFMON = (1n << 39n) | (1n << 38n);

/** Not ok means a fix is said; ok means none is. */
function expectFixWhenNotOk(r: CheckResult): void {
  if (r.status === 'ok') expect(r.fix).toBeNull();
  else expect(r.fix).toMatch(/\S/);
}

describe('doctor: kernel and BTF', () => {
  it('passes 5.17 and newer, fails older kernels with the upgrade', () => {
    expect(kernelCheck('6.18.44-fc-v1272')).toMatchObject({ check: 'kernel', status: 'ok', found: 'Linux 6.18.44-fc-v1272 (5.17 or newer needed)' });
    expect(kernelCheck('5.17.0').status).toBe('ok');
    expect(kernelCheck('5.10.0-33-amd64')).toEqual({
      check: 'kernel',
      status: 'fail',
      found: 'Linux 5.10.0-33-amd64, older than 5.17',
      fix: "upgrade to Linux 5.17 or newer (tinytap's programs need bpf_loop)",
    });
    expect(kernelCheck('weird').status).toBe('warn');
  });

  it('fails without BTF, saying which kernel option brings it', () => {
    expect(btfCheck('/sys/kernel/btf/vmlinux', true)).toMatchObject({ status: 'ok', fix: null });
    const r = btfCheck('/nonexistent', false);
    expect(r).toMatchObject({ status: 'fail', found: '/nonexistent is missing: this kernel has no BTF' });
    expect(r.fix).toContain('CONFIG_DEBUG_INFO_BTF=y');
  });
});

describe('doctor: tracefs', () => {
  const facts = (f: Partial<TracefsFacts>): TracefsFacts => ({ dir: '/sys/kernel/tracing', contents: 'syscalls', kernelHasTracefs: true, canMount: true, ...f });

  it('is ok mounted with the syscall tracepoints', () => {
    expect(tracefsCheck(facts({}))).toMatchObject({ status: 'ok', found: 'mounted at /sys/kernel/tracing, with the syscall tracepoints' });
  });

  it('not mounted is a warning that says record mounts it, when it can', () => {
    expect(tracefsCheck(facts({ contents: 'not-mounted' }))).toEqual({
      check: 'tracefs',
      status: 'warn',
      found: 'not mounted at /sys/kernel/tracing',
      fix: "none needed: tinytap record mounts it (or run 'mount -t tracefs tracefs /sys/kernel/tracing')",
    });
  });

  it('fails when it cannot be mounted: no CAP_SYS_ADMIN, no tracefs in the kernel, no directory', () => {
    const noAdmin = tracefsCheck(facts({ contents: 'not-mounted', canMount: false }));
    expect(noAdmin).toMatchObject({ status: 'fail', found: 'not mounted at /sys/kernel/tracing, and mounting it needs CAP_SYS_ADMIN' });
    expect(noAdmin.fix).toContain("run 'mount -t tracefs tracefs /sys/kernel/tracing' as root");
    expect(tracefsCheck(facts({ contents: 'not-mounted', kernelHasTracefs: false })).status).toBe('fail');
    expect(tracefsCheck(facts({ contents: 'missing' })).status).toBe('fail');
    expect(tracefsCheck(facts({ contents: 'no-syscalls' })).fix).toContain('CONFIG_FTRACE_SYSCALLS=y');
    expect(tracefsCheck(facts({ contents: 'unreadable' })).status).toBe('warn');
  });
});

describe('doctor: privileges and BPF settings', () => {
  it('root, or CAP_BPF with CAP_PERFMON, is enough; less fails with what to run', () => {
    expect(privilegesCheck(ALL_CAPS, 0)).toMatchObject({ status: 'ok', found: 'root with CAP_SYS_ADMIN' });
    expect(privilegesCheck(BPF_PERFMON, 1000).status).toBe('ok');
    expect(privilegesCheck(0n, 1000)).toEqual({
      check: 'privileges',
      status: 'fail',
      found: 'uid 1000 with none of CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON',
      fix: 'run it as root: sudo tinytap record (or grant CAP_BPF and CAP_PERFMON)',
    });
    // root whose capabilities were taken away (a container, setpriv)
    const bare = privilegesCheck(1n << 39n, 0);
    expect(bare).toMatchObject({ status: 'fail', found: 'root with only CAP_BPF' });
    expect(bare.fix).toContain('CAP_BPF and CAP_PERFMON');
  });

  it('unprivileged_bpf_disabled is informational whatever it says', () => {
    for (const v of ['0\n', '1\n', '2\n', null]) expect(unprivilegedBpfCheck(v).status).toBe('ok');
    expect(unprivilegedBpfCheck('2\n').found).toMatch(/^2: only CAP_BPF may load BPF programs \(no matter/);
  });

  it('lockdown: confidentiality fails with why, integrity and none are fine', () => {
    expect(parseLockdown('none [integrity] confidentiality\n')).toBe('integrity');
    expect(lockdownCheck('/l', '[none] integrity confidentiality\n')).toMatchObject({ status: 'ok', found: 'none' });
    expect(lockdownCheck('/l', 'none [integrity] confidentiality\n').status).toBe('ok');
    expect(lockdownCheck('/l', null).status).toBe('ok');
    const r = lockdownCheck('/l', 'none integrity [confidentiality]\n');
    expect(r.status).toBe('fail');
    expect(r.found).toContain('forbids BPF programs to read kernel and process memory');
    expect(r.fix).toContain('lockdown=confidentiality');
    expect(lockdownCheck('/l', 'garbage').status).toBe('warn');
  });

  it('memlock: no matter since 5.11 (memory cgroup), a warning before unless unlimited', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax locked memory         8388608              8388608              bytes\n';
    expect(parseMemlock(limits)).toBe(8388608);
    expect(parseMemlock('Max locked memory         unlimited            unlimited            bytes')).toBe(Infinity);
    expect(memlockCheck(limits, '6.18.0')).toMatchObject({ status: 'ok', found: '8192 KiB (no matter: since Linux 5.11 BPF memory is charged to the memory cgroup)' });
    const old = memlockCheck(limits, '5.10.0');
    expect(old.status).toBe('warn');
    expect(old.fix).toContain('ulimit -l unlimited');
    expect(memlockCheck('Max locked memory unlimited unlimited bytes', '5.4.0').status).toBe('ok');
  });
});

describe('doctor: the addon and the programs', () => {
  const root = '/opt/tinytap/';

  it('names the addon in use and whether it is a prebuild', () => {
    expect(addonCheck({ root, path: '/opt/tinytap/build/Release/tinytap.node', error: null })).toMatchObject({
      status: 'ok',
      found: 'build/Release/tinytap.node (built from source)',
    });
    expect(addonCheck({ root, path: '/opt/tinytap/prebuilds/linux-x64/tinytap.glibc.node', error: null }).found).toBe(
      'prebuilds/linux-x64/tinytap.glibc.node (a prebuild)',
    );
  });

  it('fails with how to build it when there is none, or it does not load', () => {
    const none = addonCheck({ root, path: null, error: 'No native build was found for platform=linux arch=x64' });
    expect(none).toMatchObject({ status: 'fail', found: 'no native addon for this machine (No native build was found for platform=linux arch=x64)' });
    expect(none.fix).toContain('npm run build');
    const broken = addonCheck({ root, path: '/opt/tinytap/build/Release/tinytap.node', error: 'libbpf.so.1: cannot open shared object file' });
    expect(broken.status).toBe('fail');
    expect(broken.found).toContain('does not load: libbpf.so.1');
  });

  it('bpf-load: loaded is ok; a refusal fails with the words record uses, the verifier log kept for --verbose', () => {
    const loaded = { outcome: 'loaded', features: { sendfileBodies: true, sendfileBodiesNote: '' }, mountedTracefs: true } as const;
    expect(bpfLoadCheck(loaded)).toMatchObject({ status: 'ok', found: "tinytap's programs loaded and attached (tracefs was mounted for them, as record does)" });
    const refused = bpfLoadCheck({ outcome: 'failed', error: { code: 'ELOAD', message: 'loading the BPF programs failed: Invalid argument', libbpfLog: 'R1 invalid mem access\n' } });
    expect(refused).toEqual({
      check: 'bpf-load',
      status: 'fail',
      found: "the kernel rejected tinytap's eBPF programs (loading the BPF programs failed: Invalid argument)",
      fix: "run with --verbose to see the verifier's last lines",
      log: 'R1 invalid mem access',
    });
    expect(bpfLoadCheck({ outcome: 'failed', error: { code: 'EPERM', message: 'x' } }).fix).toMatch(/^run as root/);
    expect(bpfLoadCheck({ outcome: 'not-tried', why: 'no privileges', fix: 'see privileges' })).toMatchObject({ status: 'warn', fix: 'see privileges' });
  });

  it('sendfile bodies: the recorder\'s own note when they are not captured', () => {
    const features = (sendfileBodies: boolean, sendfileBodiesNote = '') => ({ outcome: 'loaded', features: { sendfileBodies, sendfileBodiesNote }, mountedTracefs: false }) as const;
    expect(sendfileCheck(features(true)).status).toBe('ok');
    const r = sendfileCheck(features(false, 'this kernel has no tcp:tcp_sendmsg_locked tracepoint (Linux 6.16 or newer has it)'));
    expect(r).toMatchObject({ status: 'warn', found: 'this kernel has no tcp:tcp_sendmsg_locked tracepoint (Linux 6.16 or newer has it)' });
    expect(sendfileCheck({ outcome: 'not-tried', why: 'x', fix: 'y' }).status).toBe('warn');
  });
});

describe('doctor: TLS libraries', () => {
  const entry = (e: Partial<TlsLibraryEntry>): TlsLibraryEntry => ({
    number: 1,
    kind: 'openssl',
    name: '/usr/lib/x86_64-linux-gnu/libssl.so.3',
    version: 'openssl 3.0.22',
    functions: ['SSL_write', 'SSL_read', 'SSL_write_ex', 'SSL_read_ex'],
    error: null,
    ...e,
  });

  it('one line per library: what was attached, or only found when the programs were not loaded', () => {
    expect(tlsChecks([entry({})], true)).toEqual([
      { check: 'tls', status: 'ok', found: '/usr/lib/x86_64-linux-gnu/libssl.so.3 (openssl 3.0.22): SSL_write, SSL_read and 2 more attached', fix: null },
    ]);
    expect(tlsChecks([entry({ functions: ['crypto/tls'], kind: 'go', name: '/usr/bin/app', version: 'go1.22.1' })], false)[0].found).toBe(
      '/usr/bin/app (go1.22.1): crypto/tls found (not attached: the programs were not loaded)',
    );
    expect(tlsChecks([], true)[0]).toMatchObject({ status: 'ok', found: expect.stringContaining('no TLS library found') });
  });

  it('a library tinytap cannot read warns with the functions it needs', () => {
    const [r] = tlsChecks([entry({ number: 0, functions: [], version: null, error: 'no SSL_read in it' })], true);
    expect(r).toEqual({
      check: 'tls',
      status: 'warn',
      found: '/usr/lib/x86_64-linux-gnu/libssl.so.3 (openssl): no SSL_read in it',
      fix: 'its TLS traffic is recorded encrypted; tinytap reads plaintext at SSL_write and SSL_read',
    });
  });

  it('probes the kernel refused: the reason once, not once per function', () => {
    const error = 'SSL_write: cannot attach at offset 219584: Permission denied; SSL_read: cannot attach at offset 218224: Permission denied';
    const [all] = tlsChecks([entry({ number: 0, functions: [], error })], true);
    expect(all).toMatchObject({ status: 'warn', found: '/usr/lib/x86_64-linux-gnu/libssl.so.3 (openssl 3.0.22): cannot attach: Permission denied' });
    expect(all.fix).toContain('doctor -v');
    const [some] = tlsChecks([entry({ functions: ['SSL_write', 'SSL_read'], error: 'SSL_free: cannot attach at offset 1: No such file or directory' })], true);
    expect(some.status).toBe('warn');
    expect(some.found).toBe('/usr/lib/x86_64-linux-gnu/libssl.so.3 (openssl 3.0.22): SSL_write, SSL_read attached; SSL_free: No such file or directory');
  });
});

describe('doctor: all checks', () => {
  const facts: DoctorFacts = {
    release: '6.18.44',
    btf: { path: '/sys/kernel/btf/vmlinux', present: true },
    tracefs: { dir: '/sys/kernel/tracing', contents: 'syscalls', kernelHasTracefs: true, canMount: true },
    caps: ALL_CAPS,
    uid: 0,
    unprivilegedBpf: '2\n',
    lockdown: { path: '/sys/kernel/security/lockdown', text: null },
    limits: 'Max locked memory         8388608              8388608              bytes\n',
    addon: { root: '/t/', path: '/t/build/Release/tinytap.node', error: null },
  };

  it('one result per check, in the order a user fixes them, each not-ok one with its fix', () => {
    const results = doctorChecks(facts, {
      load: { outcome: 'loaded', features: { sendfileBodies: false, sendfileBodiesNote: 'no tracepoint' }, mountedTracefs: false },
      tls: [],
      tlsAttached: true,
    });
    expect(results.map((r) => r.check)).toEqual(['kernel', 'btf', 'tracefs', 'privileges', 'unprivileged-bpf', 'lockdown', 'memlock', 'addon', 'bpf-load', 'sendfile-bodies', 'tls']);
    expect(results.filter((r) => r.status !== 'ok').map((r) => r.check)).toEqual(['sendfile-bodies']);
    results.forEach(expectFixWhenNotOk);
  });
});
