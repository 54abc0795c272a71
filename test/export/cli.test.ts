import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { SECRETS_LEFT_OUT_NOTE } from '../../src/export/secrets.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/session-files.js';
import { collectionSession } from './collection-fixtures.js';
import { bruRequest, loadInsomnia } from './collection-validators.js';
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
    expect(err).toBe('tinytap: export needs exactly one of --har, --curl, --postman, --insomnia or --bruno DIR\n');
    expect(await tinytap('export', file, '--har', '--curl')).toBe(2);
    expect(err).toBe('tinytap: export needs exactly one of --har, --curl, --postman, --insomnia or --bruno DIR\n');
    expect(await tinytap('export', file, '--insomnia', '--bruno', join(dir, 'b'))).toBe(2);
    expect(await tinytap('export', file, '--bruno', join(dir, 'b'), '-o', join(dir, 'x'))).toBe(2);
    expect(err).toBe('tinytap: --bruno DIR writes a directory: -o and --force are for the other formats\n');
    expect(await tinytap('export', file, '--curl', '--include-secrets')).toBe(2);
    expect(err).toMatch(/^tinytap: --include-secrets is for --har, --postman, --insomnia and --bruno: curl commands always keep the credentials/);
    expect(await tinytap('export', file, '--har', 'status:abc')).toBe(2);
    expect(err).toMatch(/^tinytap: bad filter: bad status 'abc'/);
    expect(out).toBe('');
  });

  it('--insomnia writes an Insomnia v4 export that its importer reads, and says what it left out', async () => {
    expect(await tinytap('export', file, '--insomnia', 'method:GET')).toBe(0);
    const { importer, resources } = await loadInsomnia(out);
    expect(importer).toBe('insomnia-4');
    expect(resources.filter((r) => r._type === 'request')).toHaveLength(5);
    expect(err).toBe(`tinytap: ${SECRETS_LEFT_OUT_NOTE}\n`);
    const grpc = await collectionSession();
    expect(await tinytap('export', grpc, '--insomnia', '--include-secrets')).toBe(0);
    expect(err).toBe('tinytap: left out 1 gRPC call: Insomnia makes gRPC requests from .proto files, which a capture does not have (tinytap export --har keeps them)\n');
  });

  it('--bruno DIR makes a private directory of .bru files, only a new or empty one', async () => {
    const bruno = join(dir, 'collection');
    expect(await tinytap('export', file, '--bruno', bruno, 'path:/api/*')).toBe(0);
    expect(err).toBe(`tinytap: ${SECRETS_LEFT_OUT_NOTE}\nwrote 2 requests to ${bruno}\n`);
    expect(statSync(bruno).mode & 0o777).toBe(0o700);
    expect(readdirSync(bruno).sort()).toEqual(['0001-get-api-items.bru', '0002-delete-api-items-7.bru', 'bruno.json']);
    for (const name of readdirSync(bruno)) expect(statSync(join(bruno, name)).mode & 0o777).toBe(0o600);
    expect(bruRequest(readFileSync(join(bruno, '0002-delete-api-items-7.bru'), 'utf8'))).toMatchObject({ method: 'DELETE', url: 'http://127.0.0.1:3000/api/items/7' });
    // not empty now: refused, one line, exit 2, and nothing in it changed
    expect(await tinytap('export', file, '--bruno', bruno)).toBe(2);
    expect(err).toBe(`tinytap: ${bruno} is not empty: give the name of a new directory, or an empty one\n`);
    expect(readdirSync(bruno)).toHaveLength(3);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(await tinytap('export', file, '--bruno', empty, 'method:HEAD')).toBe(0);
    expect(readdirSync(empty)).toEqual(['0001-head-status.bru', 'bruno.json']);
    const link = join(dir, 'link-to-empty');
    mkdirSync(join(dir, 'empty2'));
    symlinkSync(join(dir, 'empty2'), link);
    expect(await tinytap('export', file, '--bruno', link)).toBe(2);
    expect(err).toBe(`tinytap: ${link} is a symbolic link: give the name of a new directory\n`);
    expect(readdirSync(join(dir, 'empty2'))).toEqual([]);
    writeFileSync(join(dir, 'plain'), 'x');
    expect(await tinytap('export', file, '--bruno', join(dir, 'plain'))).toBe(2);
    expect(await tinytap('export', file, '--bruno', join(dir, 'no', 'b'))).toBe(2);
    expect(err).toBe(`tinytap: ${join(dir, 'no', 'b')}: no such directory ${join(dir, 'no')}\n`);
    expect(readdirSync(dir).filter((n) => n.includes('tinytap-tmp'))).toEqual([]);
  });
});
