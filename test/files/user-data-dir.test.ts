/** record --dir --user: which directory is the invoking user's, and what its parent must be. */
import { chownSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { checkUserDataParent, homeOf, userDataDir } from '../../src/files/user-data-dir.js';
import { tempDir } from '../helpers/session-files.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nbroken:x:1001:1001::relative:/bin/sh\n';

describe('the user data directory', () => {
  it('is the sudo user\'s, from /etc/passwd (sudo resets HOME and XDG_DATA_HOME)', () => {
    expect(homeOf(1000, PASSWD)).toBe('/home/alice');
    expect(homeOf(1001, PASSWD)).toBeNull();
    expect(userDataDir({ SUDO_UID: '1000', HOME: '/root', XDG_DATA_HOME: '/root/.data' }, 0, () => PASSWD)).toBe('/home/alice/.local/share/tinytap');
    expect(userDataDir({ SUDO_UID: '4242' }, 0, () => PASSWD)).toBeNull();
  });

  it('is the process\'s own otherwise: XDG_DATA_HOME, else HOME, else /etc/passwd', () => {
    expect(userDataDir({ XDG_DATA_HOME: '/data/x', HOME: '/home/alice' }, 1000, () => PASSWD)).toBe('/data/x/tinytap');
    expect(userDataDir({ XDG_DATA_HOME: 'relative', HOME: '/home/alice' }, 1000, () => PASSWD)).toBe('/home/alice/.local/share/tinytap');
    expect(userDataDir({}, 0, () => PASSWD)).toBe('/root/.local/share/tinytap');
  });

  it('has a parent that is a real directory of the user\'s, never a link nor someone else\'s', () => {
    const home = tempDir('tinytap-home-');
    const owner = { uid: 1000, gid: 1000 };
    const share = join(home, 'share');
    expect(() => checkUserDataParent(join(share, 'tinytap'), owner)).toThrow(/share is not a directory of yours: make it first \(mkdir -p .*share\), or give --dir DIR/);
    mkdirSync(share);
    // another user's
    chownSync(share, 1234, 1234);
    expect(() => checkUserDataParent(join(share, 'tinytap'), owner)).toThrow(/not a directory of yours/);
    chownSync(share, 1000, 1000);
    expect(() => checkUserDataParent(join(share, 'tinytap'), owner)).not.toThrow();
    const link = join(home, 'link');
    symlinkSync('/etc', link);
    expect(() => checkUserDataParent(join(link, 'tinytap'), owner)).toThrow(/not a directory of yours/);
  });
});
