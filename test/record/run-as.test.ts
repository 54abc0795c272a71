// Under sudo, -- CMD runs as the user who ran sudo: who that is, with which groups and which
// environment, and what is said when it cannot be done (test/e2e/record-run-as.test.ts runs it).
import { describe, expect, it } from 'vitest';

import { commandAs } from '../../src/record/held-command.js';
import { type UserDatabase, parsePasswdLine, runAsUser } from '../../src/record/run-as.js';

const alice = { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/zsh' };

function users(over: Partial<UserDatabase> = {}): UserDatabase {
  return {
    passwd: (uid) => (uid === 1000 ? alice : null),
    groups: (name) => (name === 'alice' ? [1000, 27, 100] : null),
    setpriv: () => '/usr/bin/setpriv',
    ...over,
  };
}

describe('running -- CMD as the sudo user', () => {
  it('reads a passwd line', () => {
    expect(parsePasswdLine('alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\n')).toEqual(alice);
    expect(parsePasswdLine('garbage')).toBeNull();
    expect(parsePasswdLine('a:x:b:1:g:/h:/s')).toBeNull();
  });

  it('takes SUDO_UID and SUDO_GID, the groups a login gives, and sets HOME, USER, LOGNAME and SHELL as sudo -u does', () => {
    const who = runAsUser({ uid: 1000, gid: 1000 }, users());
    expect(who).toEqual({
      uid: 1000,
      gid: 1000,
      groups: [1000, 27, 100],
      env: { HOME: '/home/alice', USER: 'alice', LOGNAME: 'alice', SHELL: '/bin/zsh' },
      setpriv: '/usr/bin/setpriv',
    });
    // SUDO_GID is the primary group even when the passwd entry says another
    expect(runAsUser({ uid: 1000, gid: 50 }, users()).groups).toEqual([50, 1000, 27, 100]);
  });

  it('execs CMD through setpriv with numeric ids: no name lookups inside the recorded process', () => {
    const who = runAsUser({ uid: 1000, gid: 1000 }, users());
    expect(commandAs(who, ['npm', 'test', '--', '-x'])).toEqual(['/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--groups=1000,27,100', '--', 'npm', 'test', '--', '-x']);
  });

  it('says why it cannot, and that --as-root runs it as before', () => {
    expect(() => runAsUser({ uid: 1000, gid: 1000 }, users({ setpriv: () => null }))).toThrow(/setpriv, which is not installed: install util-linux, or add --as-root/);
    expect(() => runAsUser({ uid: 4242, gid: 4242 }, users())).toThrow('-- CMD runs as the user who ran sudo, but SUDO_UID 4242 is no user here (getent passwd): add --as-root to run it as root');
    expect(() => runAsUser({ uid: 1000, gid: 1000 }, users({ groups: () => null }))).toThrow(/cannot find the groups of alice/);
  });
});
