import { describe, expect, it } from 'vitest';

import { type ElfFile, PF_W, PF_X, fileOffsetOf, parseElf } from '../../src/record/elf.js';
import { type PclntabFormat, findGoFunctions, parsePclntab } from '../../src/record/go-pclntab.js';
import { pclntab, tinyElf } from '../helpers/tiny-elf.js';

const READ = 'crypto/tls.(*Conn).Read';
const WRITE = 'crypto/tls.(*Conn).Write';
const FORMATS: PclntabFormat[] = ['go1.2', 'go1.16', 'go1.18', 'go1.20'];

function elfOf(bytes: Buffer): ElfFile {
  const elf = parseElf(bytes);
  if ('why' in elf) throw new Error(elf.why);
  return elf;
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
    expect(parseElf(Buffer.from('#!/bin/sh\necho hi\n'))).toEqual({ why: 'not an ELF file' });
    const notOurs = { why: 'not a 64-bit little-endian x86-64 ELF file (the only kind tinytap reads)' };
    expect(parseElf(tinyElf({ segments, machine: 183 }))).toEqual(notOurs); // aarch64
    expect(parseElf(tinyElf({ segments, elfClass: 1 }))).toEqual(notOurs);
    expect(parseElf(tinyElf({ segments, elfData: 2 }))).toEqual(notOurs);
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
