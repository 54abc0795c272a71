/**
 * tinytap service (issue 16): the unit install writes passes systemd-analyze verify, and what it
 * runs records as configured: the recorder is started here from the unit's own command line (the
 * machines this runs on have no systemd as PID 1 to start it), status sees it running with its
 * files, and uninstall removes only the unit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { readServiceUnit, recordArgs } from '../../src/record/service-unit.js';
import { CLI, describeCapture, tempDir } from './harness.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cli(...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describeCapture('tinytap service', () => {
  it('install writes a unit systemd accepts, which records as configured; status and uninstall', async () => {
    const dir = tempDir();
    const units = join(dir, 'units');
    const rec = join(dir, 'recordings');
    spawnSync('mkdir', [units]);
    const unitArgs = ['--unit-dir', units, '--name', 'tinytap-test'];
    const installed = cli('service', 'install', ...unitArgs, '--dir', rec, '--rotate', '1s', '--keep', '1m', '--port', '1', '--no-start');
    expect(installed, installed.err).toMatchObject({ status: 0 });
    const unit = join(units, 'tinytap-test.service');
    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(`${verify.stdout}${verify.stderr}`).toBe('');
    expect(verify.status).toBe(0);
    // installing again is refused; --force replaces
    expect(cli('service', 'install', ...unitArgs, '--no-start')).toMatchObject({ status: 1, err: expect.stringContaining('--force') });

    // run what the unit runs, and stop it as systemd would (KillSignal=SIGINT)
    const text = readFileSync(unit, 'utf8');
    const config = readServiceUnit(text)!;
    expect(text).toContain(`ExecStart="${config.node}" "${config.cli}" "record" "--dir" "${rec}" "--rotate" "1s" "--keep" "1m" "--port" "1" "--quiet"`);
    const recorder = spawn(config.node, [config.cli, ...recordArgs(config)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    recorder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      while (!existsSync(rec) || readdirSync(rec).filter((n) => n.endsWith('.tinytap')).length < 3) {
        expect(recorder.exitCode, stderr).toBeNull();
        await wait(100);
      }
      const running = cli('service', 'status', ...unitArgs);
      expect(running.status, running.err).toBe(0);
      expect(running.out).toMatch(new RegExp(`^recorder +running \\(pid ${recorder.pid}\\) since \\d{4}-`, 'm'));
      expect(running.out).toMatch(/^files +[3-9]|^files +\d\d/m);
      expect(running.out).toMatch(/^drops +0 /m);
    } finally {
      recorder.kill('SIGINT');
    }
    expect(await new Promise((resolve) => recorder.on('exit', resolve))).toBe(0);
    expect(cli('service', 'status', ...unitArgs)).toMatchObject({ status: 3, out: expect.stringMatching(/^recorder +not running$/m) });

    const files = readdirSync(rec);
    expect(cli('service', 'uninstall', ...unitArgs)).toMatchObject({ status: 0, out: `removed ${unit} (the recorded files stay)\n` });
    expect(existsSync(unit)).toBe(false);
    expect(readdirSync(rec)).toEqual(files);
    expect(cli('service', 'uninstall', ...unitArgs)).toMatchObject({ status: 1, err: expect.stringContaining('nothing to uninstall') });
    expect(cli('service', 'status', ...unitArgs)).toMatchObject({ status: 3, out: expect.stringContaining('not installed') });
  });

  it.skipIf(existsSync('/run/systemd/system'))('without systemd as init, install says what to run instead', () => {
    const units = tempDir();
    const r = cli('service', 'install', '--unit-dir', units, '--dir', join(units, 'rec'));
    expect(r.status, r.err).toBe(0);
    expect(r.out).toContain('systemd is not the init system here');
    expect(r.out).toMatch(/ record --dir \S+ --rotate 15m --keep 7d,5GB --quiet$/m);
  });
});
