// The systemd unit `tinytap service install` writes: quoting, reading it back, and systemd's own
// checker (systemd-analyze verify, from Debian's systemd package) on what it makes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { type ServiceConfig, UNIT_MARK, readServiceUnit, recordArgs, serviceUnit, systemdWord } from '../../src/record/service-unit.js';
import { tempDir } from '../helpers/session-files.js';

const config = (extra: Partial<ServiceConfig> = {}): ServiceConfig => ({
  name: 'tinytap',
  node: process.execPath,
  cli: '/usr/lib/node_modules/tinytap/bin/tinytap.js',
  dir: '/var/lib/tinytap',
  rotate: '15m',
  keep: '7d,5GB',
  ports: [8080],
  comms: ['nginx'],
  ...extra,
});

describe('the service unit', () => {
  it('quotes each word for systemd: quotes and backslashes escaped, specifiers and variables doubled', () => {
    expect(systemdWord('plain')).toBe('"plain"');
    expect(systemdWord('a b')).toBe('"a b"');
    expect(systemdWord('say "hi" \\ now')).toBe('"say \\"hi\\" \\\\ now"');
    expect(systemdWord('100%')).toBe('"100%%"');
    expect(systemdWord('$HOME ${X}')).toBe('"$$HOME $${X}"');
    expect(() => systemdWord('a\nb')).toThrow(/control character/);
  });

  it('runs record --dir with the rotation, the budget and the filters, and reads back what it wrote', () => {
    const c = config();
    expect(recordArgs(c)).toEqual(['record', '--dir', '/var/lib/tinytap', '--rotate', '15m', '--keep', '7d,5GB', '--port', '8080', '--comm', 'nginx', '--quiet']);
    const unit = serviceUnit(c);
    expect(unit.split('\n')[0]).toBe(UNIT_MARK);
    expect(unit).toContain('KillSignal=SIGINT');
    expect(readServiceUnit(unit)).toEqual(c);
    // a unit someone else wrote, or edited so it no longer says what install made
    expect(readServiceUnit(unit.replace(UNIT_MARK, '# mine'))).toBeNull();
    expect(readServiceUnit(unit.replace('"rotate":"15m"', '"rotate":15'))).toBeNull();
    expect(readServiceUnit('[Unit]\nDescription=x\n')).toBeNull();
  });

  it('passes systemd-analyze verify, with a directory name that needs every escape', () => {
    const dir = tempDir();
    const units = join(dir, 'units');
    mkdirSync(units);
    for (const [i, recDir] of ['/var/lib/tinytap', join(dir, 'my "records" 100% $HOME \\ here')].entries()) {
      const path = join(units, `tinytap-${i}.service`);
      writeFileSync(path, serviceUnit(config({ name: `tinytap-${i}`, cli: join(process.cwd(), 'bin/tinytap.js'), dir: recDir })));
      const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
      expect(r.error, 'systemd-analyze (Debian package systemd) is needed').toBeUndefined();
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    }
  });
});
