/**
 * `npm i -g tinytap` on a machine with no compiler (issue 17): the package is built as a release
 * would be (prebuild, then `npm pack`) from a copy of this checkout, and installed into an empty
 * prefix inside a minimal Debian made here with debootstrap, which has no clang, make, g++,
 * libbpf or libelf, only Node.js and npm copied in (and curl, the program recorded). There it
 * records curl against a local server and lists the exchange.
 *
 * Two things stand in for the Internet, which this network does not reach: npm's own cache from
 * this machine (the registry's packages, bind-mounted; npm still resolves every dependency), and a
 * local server for better-sqlite3's prebuilt binary, which its install fetches from GitHub (a
 * build of the same version from this machine's node_modules, served at the mirror address its
 * installer, prebuild-install, takes from npm_config_better_sqlite3_binary_host).
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { ROOT, describeCapture, freePort, tempDir } from './harness.js';

const run = promisify(execFile);
const MIRROR = process.env.TINYTAP_TEST_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const LONG = 20 * 60_000;

/** What a user's package must not carry: tests, benchmarks, sources of the build, build output. */
const BUILD_ONLY = [/^test\//, /^testdata\//, /^bench\//, /^src\//, /^\.ci\//, /^build\//, /^bpf\/\.output\//, /\.map$/, /vmlinux\.h$/, /^setup\.sh$/, /^node_modules\//, /\.tinytap$/];

describeCapture('the npm package, installed where nothing can be compiled', () => {
  const work = tempDir('tinytap-package-');
  const rootfs = join(work, 'rootfs');
  let tarball = '';
  let files: string[] = [];
  let mirror: Server | null = null;
  const mirrorRequests: string[] = [];

  beforeAll(async () => {
    tarball = await packAsReleased(join(work, 'stage'), work);
    files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    await makeRootfs(rootfs);
  }, LONG);

  afterAll(async () => {
    await new Promise<void>((resolve) => (mirror ? mirror.close(() => resolve()) : resolve()));
    // the chroot's mounts live in their own mount namespace and are gone with it: make sure
    // before deleting anything (a /dev still bound under it would be deleted with it)
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    if (!mounts.includes(` ${rootfs}/`)) rmSync(work, { recursive: true, force: true });
  });

  it('carries the prebuilt addon with the libraries it needs, and no build-only files', () => {
    const prebuilds = files.filter((f) => f.startsWith('prebuilds/linux-x64/'));
    expect(prebuilds.map((f) => f.split('/').pop()).sort((a, b) => a!.localeCompare(b!))).toEqual([
      'libbpf.so.1',
      'libelf.so.1',
      'libz.so.1',
      'libzstd.so.1',
      'tinytap.glibc.node',
    ]);
    expect(files).toContain('bin/tinytap.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('formats/session.sql');
    expect(files).toContain('dist/tinytap.1');
    // --build-from-source still has what it needs
    expect(files).toEqual(expect.arrayContaining(['binding.gyp', 'bpf/Makefile', 'bpf/tinytap.bpf.c', 'native/recorder.cc']));
    expect(files.filter((f) => BUILD_ONLY.some((re) => re.test(f)))).toEqual([]);
  });

  it('installs with npm into an empty prefix, records curl there and lists the exchange', async () => {
    for (const tool of ['usr/bin/cc', 'usr/bin/gcc', 'usr/bin/g++', 'usr/bin/make', 'usr/bin/clang'])
      expect(existsSync(join(rootfs, tool)), tool).toBe(false);
    const libs = readdirSync(join(rootfs, 'usr/lib/x86_64-linux-gnu'));
    expect(libs.filter((l) => /^lib(bpf|elf)\.so/.test(l))).toEqual([]);

    mirror = await betterSqliteMirror(mirrorRequests);
    const mirrorPort = (mirror.address() as { port: number }).port;
    copyFileSync(tarball, join(rootfs, 'tmp/tinytap.tgz'));
    const port = await freePort();
    const script = `
set -eu
timeout 600 npm install -g --prefix /opt/tinytap --prefer-offline --no-audit --no-fund --loglevel=http /tmp/tinytap.tgz > /tmp/npm-install.log 2>&1 || { cat /tmp/npm-install.log >&2; exit 1; }
node -e 'require("http").createServer((q, s) => s.end("hello from the package\\n")).listen(${port}, "127.0.0.1")' &
server=$!
curl -s --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null http://127.0.0.1:${port}/up
/opt/tinytap/bin/tinytap record -o /tmp/s.tinytap -- curl -s http://127.0.0.1:${port}/from-the-package
echo '--- ls'
/opt/tinytap/bin/tinytap ls --json /tmp/s.tinytap
test -s /opt/tinytap/share/man/man1/tinytap.1
echo '--- version'
/opt/tinytap/bin/tinytap --version
kill $server
`;
    const { stdout } = await inRootfs(rootfs, script, {
      npm_config_better_sqlite3_binary_host: `http://127.0.0.1:${mirrorPort}`,
    });
    const [recorded, rest] = stdout.split('--- ls\n');
    const [listed, version] = rest.split('--- version\n');
    expect(recorded).toContain('hello from the package');
    const rows = listed.trim().split('\n').map((l) => JSON.parse(l) as { method: string; path: string; status: number });
    expect(rows).toEqual([expect.objectContaining({ method: 'GET', path: '/from-the-package', status: 200 })]);
    expect(version).toMatch(/addon: prebuilds\/linux-x64\/tinytap\.glibc\.node \(prebuilt\)/);
    expect(mirrorRequests).toEqual([expect.stringMatching(/better-sqlite3-v[\d.]+-node-v\d+-linux-x64\.tar\.gz$/)]);
  }, LONG);
});

/**
 * The package as a release makes it, from a copy of this checkout (the prebuild rebuilds build/,
 * which the other tests load): `npm run build:prebuild`, then `npm pack`. Returns the tarball.
 */
async function packAsReleased(stage: string, into: string): Promise<string> {
  const skip = new Set(['node_modules', 'build', 'prebuilds', '.git']);
  cpSync(ROOT, stage, { recursive: true, filter: (src) => !skip.has(src.slice(ROOT.length).split('/')[0]) });
  rmSync(join(stage, 'bpf/.output'), { recursive: true, force: true });
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'));
  await run('npm', ['run', '-s', 'build:prebuild'], { cwd: stage, maxBuffer: 64 << 20 });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', into], { cwd: stage, maxBuffer: 64 << 20 });
  return join(into, (JSON.parse(stdout) as { filename: string }[])[0].filename);
}

/** Minimal Debian (what debootstrap's minbase installs, and curl), with this machine's Node.js and npm. */
async function makeRootfs(rootfs: string): Promise<void> {
  await run('debootstrap', ['--variant=minbase', '--include=curl', 'bookworm', rootfs, MIRROR], { maxBuffer: 64 << 20 });
  const node = realpathSync(process.execPath);
  copyFileSync(node, join(rootfs, 'usr/local/bin/node'));
  execFileSync('chmod', ['0755', join(rootfs, 'usr/local/bin/node')]);
  const npmDir = realpathSync(join(node, '../../lib/node_modules/npm'));
  cpSync(npmDir, join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
  // the registry as this machine reaches it: its CA bundle (a proxy may sign), its resolver
  mkdirSync(join(rootfs, 'etc/ssl/certs'), { recursive: true });
  copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(rootfs, 'etc/ssl/certs/ca-certificates.crt'));
  copyFileSync('/etc/resolv.conf', join(rootfs, 'etc/resolv.conf'));
  const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  writeFileSync(join(rootfs, 'usr/local/etc/npmrc'), `registry=${registry}\ncafile=/etc/ssl/certs/ca-certificates.crt\n`);
  mkdirSync(join(rootfs, 'root/.npm'), { recursive: true });
}

/**
 * Run a shell script as root inside the rootfs, in a mount namespace of its own: /proc, /sys (its
 * BTF and tracefs) and /dev as the kernel has them, and this machine's npm cache.
 */
async function inRootfs(rootfs: string, script: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const npmCache = join(execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim());
  const mounts = `
set -eu
mount -t proc proc '${rootfs}/proc'
mount --rbind /sys '${rootfs}/sys'
mount --rbind /dev '${rootfs}/dev'
mount --bind '${npmCache}' '${rootfs}/root/.npm'
exec chroot '${rootfs}' /bin/sh -c "$0"
`;
  try {
    return await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', mounts, script], {
      env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/root', LANG: 'C.UTF-8', ...env },
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`in the rootfs: ${e.message}\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}`);
  }
}

/** Serves better-sqlite3's binary, built here, where its installer would download it from GitHub. */
async function betterSqliteMirror(requests: string[]): Promise<Server> {
  const dir = tempDir('tinytap-mirror-');
  const archive = join(dir, 'prebuild.tar.gz');
  execFileSync('tar', ['czf', archive, '-C', join(ROOT, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (!/better-sqlite3-.*\.tar\.gz$/.test(req.url ?? '')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(readFileSync(archive));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
