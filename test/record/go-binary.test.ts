import { describe, expect, it } from 'vitest';

import { type ElfFile, PF_W, PF_X, fileOffsetOf, parseElf } from '../../src/record/elf.js';
import { tinyElf } from '../helpers/tiny-elf.js';

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
