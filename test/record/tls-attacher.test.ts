// Finding TLS implementations and placing their uprobes, without root: real libraries and
// programs of this machine, a /proc made of links to them, and a stand-in for the addon.
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { TlsAttacher, type UprobeAttacher } from '../../src/record/tls-attacher.js';
import { executableProbes, libraryProbes } from '../../src/record/tls-probes.js';
import { linkerCachePaths, mappedFiles, splitDev, systemTlsLibraries, tlsLibraryKind } from '../../src/record/tls-targets.js';
import { tempDir } from '../helpers/session-files.js';

/** The file a program's dynamic linker gives it for `lib` (ldd's answer). */
function linked(program: string, lib: string): string | null {
  const m = new RegExp(`${lib.replace(/\./g, '\\.')}\\S* => (\\S+)`).exec(execFileSync('ldd', [program], { encoding: 'utf8' }));
  return m ? execFileSync('realpath', [m[1]], { encoding: 'utf8' }).trim() : null;
}

const curl = execFileSync('which', ['curl'], { encoding: 'utf8' }).trim();
const LIBSSL = linked(curl, 'libssl.so')!;

/** A symbol's file offset as readelf computes it: its address through the LOAD segment holding it. */
function readelfOffset(file: string, symbol: string): number {
  const syms = execFileSync('readelf', ['-W', '--dyn-syms', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const line = syms.split('\n').find((l) => l.trim().split(/\s+/)[7] === symbol || l.trim().split(/\s+/)[7]?.startsWith(`${symbol}@`));
  const addr = parseInt(line!.trim().split(/\s+/)[1], 16);
  for (const l of execFileSync('readelf', ['-lW', file], { encoding: 'utf8' }).split('\n')) {
    const f = l.trim().split(/\s+/);
    if (f[0] !== 'LOAD') continue;
    const [offset, vaddr, , filesz] = f.slice(1, 5).map((x) => parseInt(x, 16));
    if (addr >= vaddr && addr < vaddr + filesz) return addr - vaddr + offset;
  }
  throw new Error(`${symbol} is in no LOAD segment of ${file}`);
}

describe('finding TLS files', () => {
  it('tells libraries by name', () => {
    expect(['libssl.so.3', '/x/libssl.so', 'libgnutls.so.30', 'libssl3.so', 'libssl.so.3.bak', 'libcrypto.so.3'].map(tlsLibraryKind)).toEqual([
      'openssl',
      'openssl',
      'gnutls',
      null,
      null,
      null,
    ]);
  });

  it('reads mapped files (deleted ones left out) and the linker cache', () => {
    const maps = [
      '7f00-7f10 r-xp 00000000 fe:00 123 /usr/lib/x86_64-linux-gnu/libssl.so.3',
      '7f10-7f20 r--p 00010000 fe:00 123 /usr/lib/x86_64-linux-gnu/libssl.so.3',
      '7f20-7f30 rw-p 00000000 00:00 0 [heap]',
      '7f30-7f40 r-xp 00000000 fe:00 9 /tmp/gone.so (deleted)',
      '7f40-7f50 r-xp 00000000 fe:00 10 /opt/my lib/libgnutls.so.30',
    ].join('\n');
    expect(mappedFiles(maps)).toEqual(['/usr/lib/x86_64-linux-gnu/libssl.so.3', '/opt/my lib/libgnutls.so.30']);
    const cache = Buffer.from('glibc-ld.so.cache1.1\0junk\0/lib/x86_64-linux-gnu/libssl.so.3\0/usr/lib/libz.so.1\0');
    expect(linkerCachePaths(cache)).toEqual(['/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib/libz.so.1']);
    expect(systemTlsLibraries().map((l) => l.path)).toContain(LIBSSL);
  });

  it("splits glibc's device numbers as gnu_dev_major and gnu_dev_minor do", () => {
    expect(splitDev(0xfe00n)).toEqual({ major: 254, minor: 0 });
    expect(splitDev(0x803n)).toEqual({ major: 8, minor: 3 });
    // large numbers keep their high bits (makedev(0x1234, 0x56789))
    const dev = (0x1234n & 0xfffn) << 8n | (0x1234n & ~0xfffn) << 32n | (0x56789n & 0xffn) | (0x56789n & ~0xffn) << 12n;
    expect(splitDev(dev)).toEqual({ major: 0x1234, minor: 0x56789 });
  });
});

describe('probe offsets', () => {
  it("libssl: each function at the file offset readelf gives, entry and return probes, and the version from libcrypto", () => {
    const plan = libraryProbes(LIBSSL, 'openssl', LIBSSL.replace('libssl', 'libcrypto'));
    if ('why' in plan) throw new Error(plan.why);
    expect(plan.version).toMatch(/^openssl \d+\.\d+\.\d+/);
    const write = plan.groups.find((g) => g.label === 'SSL_write')!;
    expect(write.probes).toEqual([
      { program: 'ssl_write_enter', offset: readelfOffset(LIBSSL, 'SSL_write') },
      { program: 'tls_int_exit', offset: readelfOffset(LIBSSL, 'SSL_write') },
    ]);
    expect(plan.groups.map((g) => g.label)).toEqual(expect.arrayContaining(['SSL_read', 'SSL_read_ex', 'SSL_write_ex', 'SSL_set_fd', 'SSL_free']));
    // a file that is not the library it is named after
    expect(libraryProbes(curl, 'openssl')).toEqual({ why: 'no SSL_write, SSL_read in it' });
  });

  it('a program with OpenSSL linked in (Node, not position-independent): offsets through its segments', () => {
    const plan = executableProbes(process.execPath);
    if (plan === null || 'why' in plan) throw new Error(`node: ${JSON.stringify(plan)}`);
    expect(plan.kind).toBe('openssl');
    expect(plan.version).toBe(`openssl ${process.versions.openssl.replace(/\+.*/, '')}`);
    const read = plan.groups.find((g) => g.label === 'SSL_read')!;
    expect(read.probes[0].offset).toBe(readelfOffset(process.execPath, 'SSL_read'));
    // readelf lists Node's 75,000 dynamic symbols in about 5 s on these machines
  }, 60_000);

  it('programs without TLS of their own, and files that are not programs: nothing to watch', () => {
    const dir = tempDir('tinytap-probes-');
    writeFileSync(join(dir, 'script.sh'), '#!/bin/sh\necho hi\n');
    // curl imports SSL_write from libssl: its .dynsym lists it, undefined
    expect([curl, '/bin/sh', join(dir, 'script.sh'), join(dir, 'missing')].map(executableProbes)).toEqual([null, null, null, null]);
  });
});

class FakeNative implements UprobeAttacher {
  attached: { path: string; programs: string[]; cookie: number }[] = [];
  memoryBio: number[] = [];
  refuse = new Set<string>();
  /** Called before each attach, as time passing would: a process may exit. */
  beforeAttach = () => {};
  attachUprobes(path: string, probes: { program: string; offset: number }[], cookie: number): number {
    this.beforeAttach();
    if (probes.some((p) => this.refuse.has(p.program))) throw Object.assign(new Error('Invalid argument'), { code: 'ETLS' });
    // the kernel resolves the path when the probe goes on: a file gone by then fails with ENOENT
    this.attached.push({ path: realpathSync(path), programs: probes.map((p) => p.program), cookie });
    return probes.length;
  }
  markMemoryBio(pid: number): void {
    this.memoryBio.push(pid);
  }
}

/** A /proc with processes made of links to real files: `exe`, `root` and a `maps`. */
function fakeProc(procs: Record<number, { exe: string; libs: string[] }>): string {
  const proc = tempDir('tinytap-fakeproc-');
  for (const [pid, p] of Object.entries(procs)) {
    const dir = join(proc, pid);
    mkdirSync(dir);
    symlinkSync(p.exe, join(dir, 'exe'));
    symlinkSync('/', join(dir, 'root'));
    writeFileSync(join(dir, 'maps'), p.libs.map((l, i) => `7f0${i}0000-7f0${i}1000 r-xp 00000000 fe:00 ${i} ${l}`).join('\n') + '\n');
  }
  return proc;
}

describe('TlsAttacher', () => {
  it('attaches each file once, numbers them, marks memory-BIO programs, and says what could not be watched', () => {
    const proc = fakeProc({ 100: { exe: process.execPath, libs: [LIBSSL] }, 200: { exe: '/bin/sh', libs: [LIBSSL] } });
    const native = new FakeNative();
    native.refuse.add('ssl_free_enter');
    const late: string[] = [];
    const attacher = new TlsAttacher(native, (e) => late.push(e.name), proc);
    const start = attacher.start();
    // libssl from the linker cache and from both processes' maps: one file, one attach
    expect(native.attached.filter((a) => a.path.endsWith('libssl.so.3') && a.programs[0] === 'ssl_write_enter')).toHaveLength(1);
    const node = start.find((e) => e.name === process.execPath)!;
    expect(node).toMatchObject({ kind: 'openssl', number: expect.any(Number) });
    expect(node.functions).not.toContain('SSL_free');
    expect(node.error).toMatch(/^SSL_free: Invalid argument$/);
    // every attach of one file carries its number; numbers are distinct
    const numbers = new Set(start.filter((e) => e.number > 0).map((e) => e.number));
    expect(numbers.size).toBe(start.filter((e) => e.number > 0).length);
    for (const a of native.attached) expect(numbers).toContain(a.cookie);
    expect(native.memoryBio).toEqual([100]);
    expect(late).toEqual([]);
    // a later exec of a known program: its process marked, nothing attached again
    const before = native.attached.length;
    attacher.onExec(100);
    attacher.onProcess(200);
    expect(native.attached.length).toBe(before);
    expect(native.memoryBio).toEqual([100, 100]);
    attacher.stop();
  });

  it('puts the probes on a program whose process exited while it was being read', () => {
    // before: attached through /proc/PID/exe, gone with the process (ENOENT), and the program
    // marked seen, so none of its later processes were watched either
    const proc = fakeProc({ 300: { exe: process.execPath, libs: [LIBSSL] } });
    const native = new FakeNative();
    native.beforeAttach = () => rmSync(join(proc, '300'), { recursive: true, force: true });
    const attacher = new TlsAttacher(native, () => {}, proc);
    attacher.onProcess(300);
    // (its maps went with it: its libraries wait for another process)
    expect(attacher.libraries.map((e) => [e.name, e.error, e.functions.length > 0])).toEqual([[process.execPath, null, true]]);
    expect(new Set(native.attached.map((a) => a.path))).toEqual(new Set([realpathSync(process.execPath)]));
    attacher.stop();
  });

  it('leaves a program whose process is gone before it is looked at to the next process that runs it', () => {
    const proc = fakeProc({ 400: { exe: process.execPath, libs: [] }, 401: { exe: process.execPath, libs: [] } });
    const native = new FakeNative();
    const attacher = new TlsAttacher(native, () => {}, proc);
    // 400 exits between being listed and being opened: /proc/400/exe names a file no more
    rmSync(join(proc, '400', 'exe'));
    symlinkSync(join(proc, 'nothing-here'), join(proc, '400', 'exe'));
    attacher.onProcess(400);
    expect(native.attached).toEqual([]);
    attacher.onProcess(401);
    expect(native.attached.map((a) => a.path)).toContain(realpathSync(process.execPath));
    attacher.stop();
  });
});
