import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { SECRETS_LEFT_OUT_NOTE } from '../../src/export/secrets.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/session-files.js';
import { variedSession } from './fixtures.js';
import { harSchemaErrors, postmanSchemaErrors } from './validators.js';

describe('tinytap export', () => {
  let file = '';
  let out = '';
  let err = '';
  const dir = tempDir('tinytap-export-cli-');
  beforeAll(async () => {
    file = await variedSession();
  });
  async function tinytap(...args: string[]): Promise<number> {
    const r = await runCli(...args);
    ({ out, err } = r);
    return r.code;
  }

  it('writes HAR to stdout, filtered like ls, and says on stderr that secrets were left out', async () => {
    expect(await tinytap('export', file, '--har', 'status:2xx', '-method:HEAD')).toBe(0);
    const har = JSON.parse(out);
    expect(harSchemaErrors(har)).toEqual([]);
    expect(har.log.entries.map((e: any) => e.request.url.replace('http://127.0.0.1:3000', ''))).toEqual(['/api/items?q=caf%C3%A9&x=1+2&flag', '/login', '/image.png', '/gz', '/upload', '/big']);
    expect(har.log._tinytap.filter).toBe('status:2xx -method:HEAD');
    expect(err).toBe(`tinytap: ${SECRETS_LEFT_OUT_NOTE}\n`);
    expect(await tinytap('export', file, '--har', '--include-secrets', 'method:GET', 'path:/api/items')).toBe(0);
    expect(JSON.parse(out).log.entries[0].request.headers).toContainEqual({ name: 'Authorization', value: 'Bearer s3cr3t-token' });
    expect(err).toBe('');
  });

  it('writes to a new file made 0600, and never overwrites one without --force', async () => {
    const har = join(dir, 'out.har');
    expect(await tinytap('export', file, '--har', '-o', har)).toBe(0);
    expect(statSync(har).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(har, 'utf8')).log.entries).toHaveLength(10);
    expect(err).toContain(`wrote 10 exchanges to ${har}\n`);
    expect(await tinytap('export', file, '--curl', '-o', har)).toBe(1);
    expect(err).toBe(`tinytap: ${har} already exists: choose another name with -o, or add --force to overwrite it\n`);
    expect(readFileSync(har, 'utf8')).toMatch(/^\{"log"/);
    expect(await tinytap('export', file, '--curl', '-o', har, '--force', 'method:DELETE')).toBe(0);
    expect(statSync(har).mode & 0o777).toBe(0o600);
    expect(readFileSync(har, 'utf8')).toMatch(/^#!\/bin\/sh\n.*\n\n# #9 DELETE http:\/\/127\.0\.0\.1:3000\/api\/items\/7\n/);
    const loose = join(dir, 'loose.json');
    writeFileSync(loose, 'x', { mode: 0o644 });
    expect(await tinytap('export', file, '--postman', '-o', loose, '--force')).toBe(0);
    expect(statSync(loose).mode & 0o777).toBe(0o600);
    expect(postmanSchemaErrors(JSON.parse(readFileSync(loose, 'utf8')))).toEqual([]);
    expect(await tinytap('export', file, '--har', '-o', dir)).toBe(1);
    expect(err).toBe(`tinytap: ${dir} is a directory: give a file name\n`);
  });

  // (a device node: test/e2e/record-files.test.ts, which can make one of its own as root)
  it('--force replaces only a regular file: never a link (the /dev/stdout kind) or a FIFO', async () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'precious');
    const link = join(dir, 'stdout-link');
    symlinkSync(target, link);
    const dangling = join(dir, 'dangling.har');
    symlinkSync(join(dir, 'nowhere.har'), dangling);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const force of [[], ['--force']]) {
      expect(await tinytap('export', file, '--har', '-o', link, ...force)).toBe(1);
      expect(err).toBe(`tinytap: ${link} is a symbolic link: tinytap never writes through a link; give the real path, or remove the link\n`);
      expect(await tinytap('export', file, '--har', '-o', dangling, ...force)).toBe(1);
      expect(err).toBe(`tinytap: ${dangling} is a symbolic link: tinytap never writes through a link; give the real path, or remove the link\n`);
      expect(await tinytap('export', file, '--har', '-o', fifo, ...force)).toBe(1);
      expect(err).toBe(`tinytap: ${fifo} is a FIFO, not a regular file: tinytap writes regular files only; give another name\n`);
    }
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'nowhere.har'))).toBe(false);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(await tinytap('export', file, '--har', '-o', '')).toBe(1);
    expect(err).toBe('tinytap: the file name is empty: give a file name\n');
    expect(await tinytap('export', file, '--har', '-o', join(dir, 'no', 'x.har'))).toBe(1);
    expect(err).toBe(`tinytap: ${join(dir, 'no', 'x.har')}: no such directory ${join(dir, 'no')}\n`);
    // nothing was left behind: no temporary files
    expect(readdirSync(dir).filter((n) => n.includes('tinytap-tmp'))).toEqual([]);
  });

  it('needs exactly one format, and --include-secrets only with --har or --postman', async () => {
    expect(await tinytap('export', file)).toBe(2);
    expect(err).toBe('tinytap: export needs exactly one of --har, --curl or --postman\n');
    expect(await tinytap('export', file, '--har', '--curl')).toBe(2);
    expect(err).toBe('tinytap: export needs exactly one of --har, --curl or --postman\n');
    expect(await tinytap('export', file, '--curl', '--include-secrets')).toBe(2);
    expect(err).toMatch(/^tinytap: --include-secrets is for --har and --postman: curl commands always keep the credentials/);
    expect(await tinytap('export', file, '--har', 'status:abc')).toBe(2);
    expect(err).toMatch(/^tinytap: bad filter: bad status 'abc'/);
    expect(out).toBe('');
  });
});
