// How `tinytap doctor` prints its checks: one line each, the fix after what was found, colour only
// when asked, and every value from the system escaped (a lockdown file or a path can hold anything).
import { describe, expect, it } from 'vitest';

import { checksJson, formatChecks } from '../../src/cli/doctor.js';
import type { CheckResult } from '../../src/record/doctor-checks.js';

const results: CheckResult[] = [
  { check: 'kernel', status: 'ok', found: 'Linux 6.18.44 (5.17 or newer needed)', fix: null },
  { check: 'tracefs', status: 'warn', found: 'not mounted at /sys/kernel/tracing', fix: 'none needed: tinytap record mounts it' },
  { check: 'bpf-load', status: 'fail', found: 'the kernel rejected it', fix: 'run with --verbose', log: 'R1 invalid\nprocessed 3 insns' },
];

describe('doctor output', () => {
  it('one line per check: status, name, what was found, and the fix for warn and FAIL', () => {
    expect(formatChecks(results, false, false).text).toBe(
      [
        'ok    kernel    Linux 6.18.44 (5.17 or newer needed)',
        'warn  tracefs   not mounted at /sys/kernel/tracing; fix: none needed: tinytap record mounts it',
        'FAIL  bpf-load  the kernel rejected it; fix: run with --verbose',
      ].join('\n'),
    );
  });

  it('colours the status word only when asked; --verbose adds the verifier log under its line', () => {
    const text = formatChecks(results, true, true).text;
    expect(text).toContain('\x1b[31;1mFAIL\x1b[0m  bpf-load');
    expect(text).toContain('\x1b[32mok  \x1b[0m  kernel');
    expect(text.split('\n').slice(-2)).toEqual(['R1 invalid', 'processed 3 insns']);
  });

  it('escapes what came from the system', () => {
    const hostile: CheckResult = { check: 'lockdown', status: 'warn', found: '/x says \x1b]52;c;AAAA\x07: no mode', fix: 'see \x9b2J' };
    expect(formatChecks([hostile], false, false).text).toBe('warn  lockdown  /x says \\x1b]52;c;AAAA\\x07: no mode; fix: see \\x9b2J');
  });

  it('--json leaves the log out unless --verbose', () => {
    expect(checksJson(results, false)[2]).toEqual({ check: 'bpf-load', status: 'fail', found: 'the kernel rejected it', fix: 'run with --verbose' });
    expect(checksJson(results, true)[2].log).toBe('R1 invalid\nprocessed 3 insns');
  });
});
