// Under sudo, `record -- CMD` runs CMD as the user who ran sudo, with that user's groups and
// home, still captured from its first socket; --as-root keeps root. The test makes a user and
// two groups of its own and plays sudo with SUDO_UID, SUDO_GID and SUDO_USER.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { CLI, type Server, describeCapture, runRecorder, startNodeServer, tempDir } from './harness.js';

const USER = 'tinytap-runas';
const EXTRA = 'tinytap-runas-x';

function removeUser(): void {
  for (const [cmd, name] of [
    ['userdel', USER],
    ['groupdel', USER],
    ['groupdel', EXTRA],
  ])
    try {
      execFileSync(cmd, [name], { stdio: 'ignore' });
    } catch {
      // not there
    }
}

const idOf = (args: string[]) => Number(execFileSync('id', args).toString().trim());

describeCapture('record -- CMD under sudo', () => {
  let server: Server;
  let uid = 0;
  let gid = 0;
  let extraGid = 0;
  let sudo: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    removeUser();
    execFileSync('groupadd', [USER]);
    execFileSync('groupadd', [EXTRA]);
    execFileSync('useradd', ['--no-create-home', '--gid', USER, '--groups', EXTRA, '--home-dir', `/home/${USER}`, '--shell', '/bin/sh', USER]);
    uid = idOf(['-u', USER]);
    gid = idOf(['-g', USER]);
    extraGid = Number(execFileSync('getent', ['group', EXTRA]).toString().split(':')[2]);
    sudo = { SUDO_UID: String(uid), SUDO_GID: String(gid), SUDO_USER: USER, SUDO_COMMAND: '/usr/bin/tinytap record' };
    server = await startNodeServer();
  });
  afterAll(async () => {
    await server?.stop();
    removeUser();
  });

  /** `record -- sh -c SCRIPT` as under sudo; CMD's output is the recorder's stdout. */
  async function recordScript(script: string, extra: string[] = []) {
    const dir = tempDir();
    // the user's CMD writes here; sticky, as /tmp is (a directory anyone may write to and replace
    // files in is one the recorder refuses)
    chmodSync(dir, 0o1777);
    const file = join(dir, 'run-as.tinytap');
    const r = runRecorder(['-o', file, '--quiet', ...extra, '--', 'sh', '-c', script.replaceAll('DIR', dir)], { env: sudo });
    const { code } = await r.exited;
    return { dir, file, code, stdout: r.stdout, stderr: r.stderr };
  }

  it('runs CMD as the sudo user: uid, gid, supplementary groups, HOME and USER, and the files it makes', async () => {
    const r = await recordScript(`id -u; id -g; id -G; echo "$HOME $USER $LOGNAME"; touch DIR/made; curl -s http://127.0.0.1:${server.port}/`);
    expect(r.code, r.stderr).toBe(0);
    const [u, g, groups, env, reply] = r.stdout.split('\n');
    expect(Number(u)).toBe(uid);
    expect(Number(g)).toBe(gid);
    expect(groups.split(' ').map(Number).sort((x, y) => x - y)).toEqual([gid, extraGid].sort((x, y) => x - y));
    expect(env).toBe(`/home/${USER} ${USER} ${USER}`);
    expect(reply).toBe('hello from node');
    expect(statSync(join(r.dir, 'made'))).toMatchObject({ uid, gid });
    // still held at the door: CMD's first connection is in the session
    const ls = execFileSync(process.execPath, [CLI, 'ls', r.file, '--json']).toString();
    expect(ls).toContain(`"url":"http://127.0.0.1:${server.port}/"`);
  });

  it('--as-root runs CMD as root, as before', async () => {
    const r = await recordScript('id -u; id -G; touch DIR/made', ['--as-root']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('0\n0\n');
    expect(statSync(join(r.dir, 'made'))).toMatchObject({ uid: 0, gid: 0 });
  });

  it('a SUDO_UID that is no user: one line, before anything is recorded', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.tinytap');
    const r = runRecorder(['-o', file, '--', 'true'], { env: { SUDO_UID: '4000000', SUDO_GID: '4000000' } });
    const { code } = await r.exited;
    expect(code).toBe(2);
    expect(r.stderr).toBe('tinytap: -- CMD runs as the user who ran sudo, but SUDO_UID 4000000 is no user here (getent passwd): add --as-root to run it as root\n');
    expect(existsSync(file)).toBe(false);
  });
});
