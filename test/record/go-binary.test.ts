import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ElfFile, PF_W, PF_X, bufferSource, fileOffsetOf, parseElf } from '../../src/record/elf.js';
import { type GoTlsProbes, findGoTlsProbes, goTlsProbesOf, returnOffsets } from '../../src/record/go-binary.js';
import { type PclntabFormat, findGoFunctions, parsePclntab } from '../../src/record/go-pclntab.js';
import { pclntab, tinyElf } from '../helpers/tiny-elf.js';

const READ = 'crypto/tls.(*Conn).Read';
const WRITE = 'crypto/tls.(*Conn).Write';
const FORMATS: PclntabFormat[] = ['go1.2', 'go1.16', 'go1.18', 'go1.20'];

function elfOf(bytes: Buffer): ElfFile {
  const elf = parseElf(bufferSource(bytes));
  if ('why' in elf) throw new Error(elf.why);
  return elf;
}

function probesOf(result: GoTlsProbes | { why: string }): GoTlsProbes {
  if ('why' in result) throw new Error(`expected probes, got: ${result.why}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// 1. ELF headers: the address → file offset mapping every probe offset goes through

describe('elf: virtual addresses to file offsets', () => {
  // offsets deliberately unlike the addresses, and a data segment with a .bss tail
  const bytes = tinyElf({
    segments: [
      { vaddr: 0x401000, offset: 0x200, flags: PF_X | 4, data: Buffer.alloc(0x100, 0x90) },
      { vaddr: 0x603000, offset: 0x340, flags: PF_W | 4, data: Buffer.alloc(0x40, 1), memsz: 0x1000 },
    ],
    sections: [{ name: '.text', addr: 0x401000, size: 0x100 }],
  });

  it('maps an address through the PT_LOAD segment that holds it: vaddr - p_vaddr + p_offset', () => {
    const elf = elfOf(bytes);
    expect(elf.segments.map((s) => [s.vaddr, s.offset])).toEqual([[0x401000, 0x200], [0x603000, 0x340]]);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.shstrtab']);
    expect(fileOffsetOf(elf, 0x401000)).toBe(0x200);
    expect(fileOffsetOf(elf, 0x4010ff)).toBe(0x2ff);
    expect(fileOffsetOf(elf, 0x603010, 0x30)).toBe(0x350);
  });

  it('maps nothing that is not in the file: .bss, past a segment, across its end, unmapped', () => {
    const elf = elfOf(bytes);
    expect(fileOffsetOf(elf, 0x603040)).toBeNull(); // memsz, not filesz
    expect(fileOffsetOf(elf, 0x401100)).toBeNull();
    expect(fileOffsetOf(elf, 0x4010f0, 0x20)).toBeNull();
    expect(fileOffsetOf(elf, 0x400000)).toBeNull();
  });

  it('refuses what is not a 64-bit little-endian x86-64 ELF with one line', () => {
    const segments = [{ vaddr: 0x401000, offset: 0x200, flags: PF_X, data: Buffer.alloc(16) }];
    expect(parseElf(bufferSource(Buffer.from('#!/bin/sh\necho hi\n')))).toEqual({ why: 'not an ELF file' });
    const notOurs = { why: 'not a 64-bit little-endian x86-64 ELF file (the only kind tinytap reads)' };
    expect(parseElf(bufferSource(tinyElf({ segments, machine: 183 })))).toEqual(notOurs); // aarch64
    expect(parseElf(bufferSource(tinyElf({ segments, elfClass: 1 })))).toEqual(notOurs);
    expect(parseElf(bufferSource(tinyElf({ segments, elfData: 2 })))).toEqual(notOurs);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Go's function table, in each layout

const TEXT = 0x401000;
const MAIN = TEXT;
const READ_AT = TEXT + 0x10;
const WRITE_AT = TEXT + 0x20;
const TEXT_END = TEXT + 0x30;
const FUNCS = [
  { name: 'main.main', entry: MAIN },
  { name: READ, entry: READ_AT },
  { name: WRITE, entry: WRITE_AT },
];

describe('pclntab: every layout from Go 1.2 to Go 1.20+', () => {
  it.each(FORMATS)('%s: finds each function and ends it where the next one (or the table) ends', (format) => {
    const tab = parsePclntab(pclntab(format, FUNCS, TEXT_END, TEXT), null);
    if ('why' in tab) throw new Error(tab.why);
    expect(tab.format).toBe(format);
    const found = findGoFunctions(tab, [WRITE, READ, 'main.main', 'crypto/tls.(*Conn).ReadFrom']);
    expect(Object.fromEntries(found)).toEqual({
      'main.main': { entry: MAIN, end: READ_AT },
      [READ]: { entry: READ_AT, end: WRITE_AT },
      [WRITE]: { entry: WRITE_AT, end: TEXT_END },
    });
  });

  it('takes the start of the code from the caller when the Go 1.18+ header leaves it to a relocation', () => {
    const data = pclntab('go1.20', FUNCS, TEXT_END, TEXT, true);
    expect(parsePclntab(data, null)).toEqual({ why: 'the Go function table (pclntab) does not say where the code starts' });
    const tab = parsePclntab(data, TEXT);
    if ('why' in tab) throw new Error(tab.why);
    expect(findGoFunctions(tab, [READ]).get(READ)).toEqual({ entry: READ_AT, end: WRITE_AT });
  });

  it('refuses unknown magics and other architectures with one line', () => {
    const data = pclntab('go1.20', FUNCS, TEXT_END, TEXT);
    data.writeUInt32LE(0xfffffff5, 0);
    expect(parsePclntab(data, null)).toEqual({ why: 'the Go function table (pclntab) has an unknown magic 0xfffffff5' });
    const arm = pclntab('go1.20', FUNCS, TEXT_END, TEXT);
    arm[6] = 4; // arm64's instruction size
    expect(parsePclntab(arm, null)).toEqual({ why: 'the Go function table (pclntab) is not for a 64-bit x86 program' });
  });
});

// ---------------------------------------------------------------------------------------------
// 3. RETs found by decoding, never by looking for C3 bytes

// main.main: nop; ret
const MAIN_CODE = [0x90, 0xc3];
// mov eax, 0xc3 | mov rax, [rsp-0x3d] | je +1 | ret (+12) | rep ret (+13): C3 at +1 and +9 is data
const READ_CODE = [0xb8, 0xc3, 0, 0, 0, 0x48, 0x8b, 0x44, 0x24, 0xc3, 0x74, 0x01, 0xc3, 0xf3, 0xc3];
const READ_RETS = [12, 13];
// ret 8 (+0) | call rel32 with a C3 in it | ret (+8)
const WRITE_CODE = [0xc2, 0x08, 0x00, 0xe8, 0xc3, 0, 0, 0, 0xc3];
const WRITE_RETS = [0, 8];

describe('returnOffsets: RET instructions by decoding', () => {
  it('finds C3, C2 iw and prefixed RETs, and not the C3 bytes inside other instructions', () => {
    expect(returnOffsets(Buffer.from(READ_CODE))).toEqual(READ_RETS);
    expect(returnOffsets(Buffer.from(WRITE_CODE))).toEqual(WRITE_RETS);
  });

  it('does not count far returns, and survives padding and a cut-off last instruction', () => {
    expect(returnOffsets(Buffer.from([0xcb, 0xcc, 0xcc, 0xc3, 0xb8, 0xc3]))).toEqual([3]);
    expect(returnOffsets(Buffer.alloc(0))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Whole hand-made binaries: symbols, pclntab with and without section headers, build info

function buildInfo(version: string): Buffer {
  const header = Buffer.alloc(32);
  header.write('\xff Go buildinf:', 0, 'latin1');
  header[14] = 8;
  header[15] = 2; // version and module info inline, as uvarint-prefixed strings (Go 1.18+)
  return Buffer.concat([header, Buffer.from([version.length]), Buffer.from(version), Buffer.from([0])]);
}

/** Before Go 1.18 the header points at a Go string header (pointer, length) for the version. */
function oldBuildInfo(dataVaddr: number, version: string): Buffer {
  const blob = Buffer.alloc(64 + version.length);
  blob.write('\xff Go buildinf:', 0, 'latin1');
  blob[14] = 8;
  blob[15] = 0;
  blob.writeBigUInt64LE(BigInt(dataVaddr + 32), 16);
  blob.writeBigUInt64LE(BigInt(dataVaddr + 48), 32);
  blob.writeBigUInt64LE(BigInt(version.length), 40);
  blob.write(version, 48);
  return blob;
}

interface TinyGo {
  format?: PclntabFormat;
  symbols?: boolean;
  sectionHeaders?: boolean;
  unrelocated?: boolean;
  buildInfo?: 'inline' | 'pointer' | 'none';
}

const TEXT_OFFSET = 0x200;
const RODATA = 0x402000;
const DATA = 0x403000;

function tinyGoBinary({ format = 'go1.20', symbols = false, sectionHeaders = true, unrelocated = false, buildInfo: info = 'inline' }: TinyGo): Buffer {
  const code = Buffer.alloc(TEXT_END - TEXT, 0xcc); // INT3 between functions, as Go pads
  Buffer.from(MAIN_CODE).copy(code, MAIN - TEXT);
  Buffer.from(READ_CODE).copy(code, READ_AT - TEXT);
  Buffer.from(WRITE_CODE).copy(code, WRITE_AT - TEXT);
  const table = pclntab(format, FUNCS, TEXT_END, TEXT, unrelocated);
  const data = info === 'inline' ? buildInfo('go1.21.3') : info === 'pointer' ? oldBuildInfo(DATA, 'go1.16.15') : Buffer.alloc(32);
  const dataOffset = TEXT_OFFSET + 0x100 + table.length + 0x40;
  return tinyElf({
    segments: [
      { vaddr: TEXT, offset: TEXT_OFFSET, flags: PF_X | 4, data: code },
      { vaddr: RODATA, offset: TEXT_OFFSET + 0x100, flags: 4, data: table },
      { vaddr: DATA, offset: dataOffset, flags: PF_W | 4, data, memsz: 0x1000 },
    ],
    sections: [
      { name: '.text', type: 1, addr: TEXT, size: code.length },
      { name: '.gopclntab', addr: RODATA, size: table.length },
      { name: '.go.buildinfo', addr: DATA, size: data.length },
    ],
    symbols: symbols
      ? [
          { name: 'runtime.text', value: TEXT, size: 0 },
          { name: READ, value: READ_AT, size: READ_CODE.length },
          { name: WRITE, value: WRITE_AT, size: WRITE_CODE.length },
        ]
      : undefined,
    sectionHeaders,
  });
}

const TINY_PROBES: GoTlsProbes = {
  goVersion: 'go1.21.3',
  read: { name: READ, entry: TEXT_OFFSET + 0x10, returns: READ_RETS.map((r) => TEXT_OFFSET + 0x10 + r) },
  write: { name: WRITE, entry: TEXT_OFFSET + 0x20, returns: WRITE_RETS.map((r) => TEXT_OFFSET + 0x20 + r) },
};

describe('goTlsProbesOf: hand-made Go binaries', () => {
  it('uses .symtab when the binary has one', () => {
    expect(goTlsProbesOf(tinyGoBinary({ symbols: true }))).toEqual(TINY_PROBES);
  });

  it.each(FORMATS)('%s: uses .gopclntab when there are no symbols', (format) => {
    expect(goTlsProbesOf(tinyGoBinary({ format }))).toEqual(TINY_PROBES);
  });

  it.each(FORMATS)('%s: finds the table by its header when the section headers are gone too', (format) => {
    expect(goTlsProbesOf(tinyGoBinary({ format, sectionHeaders: false }))).toEqual(TINY_PROBES);
  });

  it('takes the start of the code from .text when the table header leaves it out', () => {
    expect(goTlsProbesOf(tinyGoBinary({ unrelocated: true }))).toEqual(TINY_PROBES);
  });

  it('reads the Go version in both build info layouts, and does without one', () => {
    expect(probesOf(goTlsProbesOf(tinyGoBinary({ buildInfo: 'pointer' }))).goVersion).toBe('go1.16.15');
    expect(probesOf(goTlsProbesOf(tinyGoBinary({ buildInfo: 'none' }))).goVersion).toBeNull();
    expect(probesOf(goTlsProbesOf(tinyGoBinary({ sectionHeaders: false }))).goVersion).toBe('go1.21.3');
    const broken = tinyGoBinary({ buildInfo: 'pointer' });
    broken.writeBigUInt64LE(0xffffffffffffffffn, broken.indexOf('\xff Go buildinf:', 0, 'latin1') + 16);
    expect(probesOf(goTlsProbesOf(broken)).goVersion).toBeNull(); // the probes still count
  });

  it('says which function is missing when there is no crypto/tls', () => {
    const bytes = tinyGoBinary({});
    const at = bytes.indexOf('crypto/tls.(*Conn).Read\0');
    bytes.write('X', at); // "Xrypto/tls.(*Conn).Read"
    expect(goTlsProbesOf(bytes)).toEqual({ why: `a Go binary without crypto/tls (no ${READ})` });
    expect(goTlsProbesOf(tinyElf({ segments: [{ vaddr: TEXT, offset: 0x200, flags: PF_X, data: Buffer.alloc(64) }] }))).toEqual({
      why: 'not a Go binary (no Go function table, .gopclntab)',
    });
  });

  it('never throws: every truncation, and random bytes anywhere', () => {
    const whole = tinyGoBinary({ symbols: true });
    for (let length = 0; length < whole.length; length++) {
      const result = goTlsProbesOf(whole.subarray(0, length));
      expect(typeof ('why' in result ? result.why : result.read.entry)).not.toBe('undefined');
    }
    for (const sectionHeaders of [true, false]) {
      const bytes = tinyGoBinary({ format: 'go1.18', sectionHeaders });
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
          const copy = Buffer.from(bytes);
          for (const [at, value] of edits) copy[at] = value;
          const result = goTlsProbesOf(copy);
          if (!('why' in result)) {
            // whatever a corrupt file makes us believe, the offsets stay inside it
            for (const off of [result.read.entry, ...result.read.returns, result.write.entry, ...result.write.returns]) {
              expect(off).toBeLessThan(copy.length);
            }
          }
        }),
        { numRuns: 1000, seed: 7 },
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Real Go programs, built here with the go toolchain (Debian's golang-go), offline

const GO_CLIENT_SERVER = `package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
)

// "serve" serves HTTPS with cert.pem and key.pem; otherwise GET the URL in os.Args[1].
func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		srv := &http.Server{Addr: "127.0.0.1:0", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "hello")
		})}
		fmt.Println(srv.ListenAndServeTLS("cert.pem", "key.pem"))
		return
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
}
`;

const GO_HELLO = `package main

import "fmt"

func main() { fmt.Println("hello") }
`;

const haveGo = spawnSync('go', ['version']).status === 0;

/** RET lines of `go tool objdump`: "  conn.go:1308\t\t0x5a6ea4\t\tc3\t\t\tRET\t" */
interface Disassembly {
  instructions: { addr: number; hex: string; text: string }[];
}

// Without Go the tests are skipped on a developer's machine; CI installs golang-go and must run them
describe.skipIf(!haveGo && process.env.CI !== 'true')('findGoTlsProbes: Go programs built by the go toolchain', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  const path = (name: string): string => join(dir, name);

  function goBuild(src: string, out: string, ...flags: string[]): void {
    const pkg = path(`src-${out}`);
    execFileSync('mkdir', ['-p', pkg]);
    writeFileSync(join(pkg, 'main.go'), src);
    writeFileSync(join(pkg, 'go.mod'), 'module example.com/tinytap-go-test\n\ngo 1.19\n');
    execFileSync('go', ['build', ...flags, '-o', path(out), '.'], { cwd: pkg, env, stdio: 'pipe' });
  }

  function objdump(binary: string, name: string): Disassembly {
    const pattern = `^${name.replace(/[.*()]/g, (c) => `\\${c}`)}$`;
    const out = execFileSync('go', ['tool', 'objdump', '-s', pattern, binary], { env, encoding: 'utf8' });
    const instructions = out
      .split('\n')
      .map((line) => line.trim().split(/\t+/))
      .filter((f) => f.length >= 4 && f[1].startsWith('0x'))
      .map((f) => ({ addr: parseInt(f[1], 16), hex: f[2], text: f[3] }));
    return { instructions };
  }

  /** vaddr → file offset from readelf's program headers, independently of src/record/elf.ts */
  function readelfOffset(binary: string, vaddr: number): number {
    const out = execFileSync('readelf', ['-lW', binary], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[0] !== 'LOAD') continue;
      const [offset, start, , filesz] = f.slice(1, 5).map((x) => parseInt(x, 16));
      if (vaddr >= start && vaddr < start + filesz) return vaddr - start + offset;
    }
    throw new Error(`readelf: 0x${vaddr.toString(16)} is in no LOAD segment of ${binary}`);
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tinytap-go-'));
    // offline and self-contained: the standard library only, caches in the temp dir
    env = { ...process.env, GOFLAGS: '-mod=mod', GOCACHE: path('cache'), GOPATH: path('gopath'), GOPROXY: 'off', GOTOOLCHAIN: 'local' };
    goBuild(GO_CLIENT_SERVER, 'full');
    goBuild(GO_CLIENT_SERVER, 'stripped', '-ldflags=-s -w');
    goBuild(GO_HELLO, 'hello');
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds both functions with symbols and without, at the same places relative to their entries', () => {
    const full = probesOf(findGoTlsProbes(path('full')));
    const stripped = probesOf(findGoTlsProbes(path('stripped')));
    expect(elfOf(readFileSync(path('stripped'))).sections.some((s) => s.name === '.symtab')).toBe(false);
    const relative = (p: GoTlsProbes) => [p.read, p.write].map((f) => ({ name: f.name, returns: f.returns.map((r) => r - f.entry) }));
    expect(relative(stripped)).toEqual(relative(full));
    expect(full.read.returns.length).toBeGreaterThan(0);
    expect(full.write.returns.length).toBeGreaterThan(0);
    const version = execFileSync('go', ['env', 'GOVERSION'], { env, encoding: 'utf8' }).trim();
    expect(full.goVersion).toBe(version);
    expect(stripped.goVersion).toBe(version);
  });

  it.each([
    ['read', READ],
    ['write', WRITE],
  ] as const)('%s: the entry and every RET are where go tool objdump puts them', (key, name) => {
    const binary = path('full');
    const bytes = readFileSync(binary);
    const probes = probesOf(findGoTlsProbes(binary))[key];
    const { instructions } = objdump(binary, name);
    const first = instructions[0];
    expect(probes.entry).toBe(readelfOffset(binary, first.addr));
    expect(bytes.subarray(probes.entry, probes.entry + first.hex.length / 2).toString('hex')).toBe(first.hex);
    const rets = instructions.filter((i) => i.text.startsWith('RET')).map((i) => readelfOffset(binary, i.addr));
    expect(probes.returns).toEqual(rets);
    for (const at of probes.returns) {
      const opcode = bytes[at] === 0xf3 ? bytes[at + 1] : bytes[at]; // "rep ret"
      expect([0xc3, 0xc2]).toContain(opcode);
    }
  });

  it('finds the same offsets when the section headers are stripped as well', () => {
    const bytes = readFileSync(path('stripped'));
    bytes.writeBigUInt64LE(0n, 40); // e_shoff
    bytes.writeUInt16LE(0, 60); // e_shnum
    bytes.writeUInt16LE(0, 62); // e_shstrndx
    expect(elfOf(bytes).sections).toEqual([]);
    expect(goTlsProbesOf(bytes)).toEqual(findGoTlsProbes(path('stripped')));
  });

  it('finds the same probes in a file padded to 20 MB (the whole file is read)', () => {
    const bytes = readFileSync(path('full'));
    const big = Buffer.concat([bytes, Buffer.alloc(20 * 1024 * 1024 - bytes.length)]);
    writeFileSync(path('big'), big);
    expect(probesOf(findGoTlsProbes(path('big')))).toEqual(findGoTlsProbes(path('full')));
  });

  it('says why for a Go binary without crypto/tls, a C binary, a text file and a missing file', () => {
    expect(findGoTlsProbes(path('hello'))).toEqual({ why: `a Go binary without crypto/tls (no ${READ})` });
    expect(findGoTlsProbes('/bin/ls')).toEqual({ why: 'not a Go binary (no Go function table, .gopclntab)' });
    writeFileSync(path('notes.txt'), 'not a program\n');
    expect(findGoTlsProbes(path('notes.txt'))).toEqual({ why: 'not an ELF file' });
    expect(findGoTlsProbes(path('missing'))).toEqual({ why: `cannot read ${path('missing')}: ENOENT` });
  });

  it('never throws on a damaged real binary', () => {
    const whole = readFileSync(path('stripped'));
    const elf = elfOf(whole);
    const table = elf.sections.find((s) => s.name === '.gopclntab');
    if (!table) throw new Error('no .gopclntab');
    const damage: [string, (b: Buffer) => void][] = [
      ['cut after the ELF header', (b) => b.fill(0, 64)],
      ['section headers past the end', (b) => b.writeBigUInt64LE(BigInt(b.length), 40)],
      ['program headers past the end', (b) => b.writeBigUInt64LE(BigInt(b.length - 8), 32)],
      ['an absurd function count', (b) => b.writeBigUInt64LE(0xffffffffffn, table.offset + 8)],
      ['the function table past the end', (b) => b.writeBigUInt64LE(BigInt(b.length), table.offset + 64)],
      ['the names past the end', (b) => b.writeBigUInt64LE(BigInt(b.length), table.offset + 32)],
      ['an unknown magic', (b) => b.writeUInt32LE(0x12345678, table.offset)],
      ['a zeroed function table', (b) => b.fill(0, table.offset + Number(b.readBigUInt64LE(table.offset + 64)), table.offset + table.size)],
    ];
    for (const [what, harm] of damage) {
      const bytes = Buffer.from(whole);
      harm(bytes);
      const result = goTlsProbesOf(bytes);
      expect('why' in result, what).toBe(true);
    }
  });
});
