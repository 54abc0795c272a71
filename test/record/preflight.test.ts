import { describe, expect, it } from 'vitest';

import { SetupError, checkBtf, checkKernel, checkPrivileges, parseKernelVersion } from '../../src/record/preflight.js';
import { describeRecordError } from '../../src/record/errors.js';

describe('preflight checks', () => {
  it('accepts root-like capabilities and CAP_BPF + CAP_PERFMON, refuses less with one line', () => {
    expect(() => checkPrivileges(1n << 21n)).not.toThrow(); // CAP_SYS_ADMIN
    expect(() => checkPrivileges((1n << 38n) | (1n << 39n))).not.toThrow();
    expect(() => checkPrivileges(1n << 39n)).toThrow(SetupError);
    expect(() => checkPrivileges(0n)).toThrow('tinytap record needs root to load eBPF programs: run it with sudo (or grant CAP_BPF and CAP_PERFMON)');
  });

  it('parses kernel versions and refuses kernels without bpf_loop', () => {
    expect(parseKernelVersion('6.18.44-fc-v669')).toEqual([6, 18]);
    expect(parseKernelVersion('5.17.0')).toEqual([5, 17]);
    expect(() => checkKernel('5.17.0')).not.toThrow();
    expect(() => checkKernel('6.1.0-28-amd64')).not.toThrow();
    expect(() => checkKernel('5.10.0-33-amd64')).toThrow('Linux 5.10.0-33-amd64 is too old: tinytap needs Linux 5.17 or newer with BTF');
    expect(() => checkKernel('4.19.0')).toThrow(/too old/);
  });

  it('says what is missing without BTF', () => {
    expect(() => checkBtf('/nonexistent/vmlinux')).toThrow(/this kernel has no BTF \(\/nonexistent\/vmlinux is missing\): tinytap needs a kernel built with CONFIG_DEBUG_INFO_BTF=y/);
  });

  it('turns the addon\'s error codes into one line, with the verifier log only when asked', () => {
    const err = { code: 'ELOAD', message: 'loading the BPF programs failed: Invalid argument', libbpfLog: 'R1 invalid mem access\nprocessed 12 insns\n' };
    expect(describeRecordError(err, false)).toBe(
      "the kernel rejected tinytap's eBPF programs (loading the BPF programs failed: Invalid argument): run with --verbose to see the verifier's last lines; tinytap doctor checks everything record needs",
    );
    expect(describeRecordError(err, true)).toBe(
      "the kernel rejected tinytap's eBPF programs (loading the BPF programs failed: Invalid argument); tinytap doctor checks everything record needs\nR1 invalid mem access\nprocessed 12 insns",
    );
    expect(describeRecordError({ code: 'EPERM', message: 'x' }, false)).toMatch(/^the kernel refused to load tinytap's eBPF programs \(permission denied\): run as root/);
  });

  it('points to doctor after what doctor checks (kernel, privileges, addon), not after a file that exists', () => {
    expect(describeRecordError({ code: 'ENOADDON', message: 'the native addon is not built' }, false)).toBe(
      'the native addon is not built; tinytap doctor checks everything record needs',
    );
    expect(describeRecordError({ code: 'EEXIST', message: 'x.tinytap already exists' }, false)).toBe('x.tinytap already exists');
  });
});
