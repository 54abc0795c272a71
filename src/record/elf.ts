/**
 * Just enough of an ELF reader to place uprobes: the section and program headers, the static
 * symbol table, and the mapping from a virtual address to the offset in the file that the kernel
 * wants. Only 64-bit little-endian x86-64 files are read (what tinytap's eBPF side supports);
 * anything else is refused with one line rather than half-read.
 *
 * Layouts are from the System V gABI, "Object Files" chapter
 * (https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html and the pages after it),
 * and <elf.h>.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

/**
 * Where a file's bytes come from: a Buffer, or an open file read on demand. Deciding whether a
 * program has a TLS implementation of its own needs its headers and symbol tables, a few MB of a
 * Node binary's 100 MB: every new executable is looked at while recording.
 */
export interface ByteSource {
  readonly size: number;
  /** The bytes at [offset, offset + length); the caller has checked they are in the file. */
  read(offset: number, length: number): Buffer;
}

export function bufferSource(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** An open file's bytes, read when asked for (the caller closes the fd). */
export function fileSource(fd: number): ByteSource {
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const out = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, out, got, length - got, offset + got);
        if (n === 0) throw new MalformedError(`the file ends at ${offset + got}, inside what its headers describe`);
        got += n;
      }
      return out;
    },
  };
}

/** Runs `fn` on the ELF file at `path`, opened read-only and closed after. */
export function withElfFile<T>(path: string, fn: (elf: ElfFile | { why: string }) => T): T | { why: string } {
  let fd: number;
  try {
    // /proc/PID/exe is a link by design; O_NONBLOCK: a FIFO planted at a library's path must not hang us
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { why: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  try {
    if (!fstatSync(fd).isFile()) return { why: `${path} is not a regular file` };
    return fn(parseElf(fileSource(fd)));
  } finally {
    closeSync(fd);
  }
}

export interface ElfFile {
  source: ByteSource;
  /** ET_EXEC (2) or ET_DYN (3, a PIE or a shared library) */
  type: number;
  sections: ElfSection[];
  segments: ElfSegment[];
}

export interface ElfSymbol {
  value: number;
  size: number;
}

export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const SHT_SYMTAB = 2;
export const SHT_DYNSYM = 11;
export const SHT_NOBITS = 8;
const EM_X86_64 = 62;
const SHN_XINDEX = 0xffff;
const PN_XNUM = 0xffff;

/** A file whose structure does not hold together; callers turn it into a one-line reason. */
export class MalformedError extends Error {}

function need(size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > size) {
    throw new MalformedError(`${what} lies outside the file`);
  }
}

export function u32(bytes: Buffer, offset: number): number {
  need(bytes.length, offset, 4, 'a 32-bit field');
  return bytes.readUInt32LE(offset);
}

/** A 64-bit field as a number: addresses and sizes in real files stay far below 2^53. */
export function u64(bytes: Buffer, offset: number): number {
  need(bytes.length, offset, 8, 'a 64-bit field');
  const value = bytes.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError(`a 64-bit field (0x${value.toString(16)}) is out of range`);
  return Number(value);
}

function cString(bytes: Buffer, offset: number): string {
  if (offset < 0 || offset >= bytes.length) return '';
  const end = bytes.indexOf(0, offset);
  return bytes.toString('latin1', offset, end < 0 ? bytes.length : end);
}

/**
 * Parses the headers. `{ why }` for a file that is not a 64-bit x86-64 ELF; a MalformedError is
 * thrown when the headers point outside the file (as from every reader here: the caller that
 * turns a file into probes catches it once).
 */
export function parseElf(source: ByteSource): ElfFile | { why: string } {
  if (source.size < 64) return { why: 'not an ELF file' };
  const bytes = source.read(0, 64);
  if (bytes.readUInt32BE(0) !== 0x7f454c46) return { why: 'not an ELF file' };
  // e_ident[EI_CLASS] 2 = 64-bit, e_ident[EI_DATA] 1 = little-endian
  if (bytes[4] !== 2 || bytes[5] !== 1 || bytes.readUInt16LE(18) !== EM_X86_64) {
    return { why: 'not a 64-bit little-endian x86-64 ELF file (the only kind tinytap reads)' };
  }
  const type = bytes.readUInt16LE(16);
  const phoff = u64(bytes, 32);
  const shoff = u64(bytes, 40);
  const phentsize = bytes.readUInt16LE(54);
  let phnum = bytes.readUInt16LE(56);
  const shentsize = bytes.readUInt16LE(58);
  let shnum = bytes.readUInt16LE(60);
  let shstrndx = bytes.readUInt16LE(62);

  // Past 0xfeff sections (or 0xffff segments) the real counts live in section 0 (gABI,
  // "Extended Section Numbering")
  if (shoff !== 0) {
    if (shentsize < 64) throw new MalformedError(`section header entries of ${shentsize} bytes`);
    need(source.size, shoff, 64, 'section header 0');
    const first = source.read(shoff, 64);
    if (shnum === 0) shnum = u64(first, 32);
    if (shstrndx === SHN_XINDEX) shstrndx = u32(first, 40);
    if (phnum === PN_XNUM) phnum = u32(first, 44);
  } else {
    shnum = 0;
  }

  const segments: ElfSegment[] = [];
  if (phnum > 0 && phentsize < 56) throw new MalformedError(`program header entries of ${phentsize} bytes`);
  need(source.size, phoff, phnum * phentsize, 'the program headers');
  const ph = source.read(phoff, phnum * phentsize);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    segments.push({
      type: u32(ph, at),
      flags: u32(ph, at + 4),
      offset: u64(ph, at + 8),
      vaddr: u64(ph, at + 16),
      filesz: u64(ph, at + 32),
      memsz: u64(ph, at + 40),
    });
  }

  need(source.size, shoff, shnum * shentsize, 'the section headers');
  const sh = source.read(shoff, shnum * shentsize);
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const at = i * shentsize;
    raw.push({
      nameOffset: u32(sh, at),
      type: u32(sh, at + 4),
      flags: u64(sh, at + 8),
      addr: u64(sh, at + 16),
      offset: u64(sh, at + 24),
      size: u64(sh, at + 32),
      link: u32(sh, at + 40),
    });
  }
  const names = raw[shstrndx];
  let nameBytes: Buffer = Buffer.alloc(0);
  if (names && names.type !== SHT_NOBITS) {
    need(source.size, names.offset, names.size, 'the section names');
    nameBytes = source.read(names.offset, names.size);
  }
  const sections = raw.map(({ nameOffset, ...s }) => ({ ...s, name: cString(nameBytes, nameOffset) }));
  return { source, type, sections, segments };
}

export function sectionNamed(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** A section's bytes (a view, not a copy); null for a section that has none in the file. */
export function sectionBytes(elf: ElfFile, section: ElfSection): Buffer | null {
  if (section.type === SHT_NOBITS) return null;
  need(elf.source.size, section.offset, section.size, `section ${section.name}`);
  return elf.source.read(section.offset, section.size);
}

/**
 * The file offset holding `length` bytes at virtual address `vaddr`, or null when no PT_LOAD
 * segment maps them from the file. This is what a uprobe takes: the kernel places it by inode
 * and file offset (Documentation/trace/uprobetracer.rst), and libbpf passes its func_offset
 * through unchanged (perf_event_attr.config2). libbpf 1.1 converts a symbol with its section
 * (st_value - sh_addr + sh_offset, libbpf.c elf_find_func_offset); the program headers give the
 * same number for code inside a section, and are still there when the section headers are not.
 */
export function fileOffsetOf(elf: ElfFile, vaddr: number, length = 1): number | null {
  for (const seg of elf.segments) {
    if (seg.type !== PT_LOAD) continue;
    if (vaddr >= seg.vaddr && vaddr + length <= seg.vaddr + seg.filesz) {
      const offset = vaddr - seg.vaddr + seg.offset;
      return offset + length <= elf.source.size ? offset : null;
    }
  }
  return null;
}

/** The file's bytes at [vaddr, vaddr + length), or null when they are not all in the file. */
export function bytesAt(elf: ElfFile, vaddr: number, length: number): Buffer | null {
  const offset = fileOffsetOf(elf, vaddr, length);
  return offset === null ? null : elf.source.read(offset, length);
}

/**
 * Looks several names up in a symbol table (.symtab, or .dynsym for what a library exports) in
 * one pass: a Go binary has tens of thousands of symbols, Node's .dynsym a hundred thousand.
 * Names are compared as bytes, so only the matches are decoded. Only symbols the file defines
 * count: a program's .dynsym also lists what it imports (curl's SSL_write is libssl's).
 */
export function findSymbols(elf: ElfFile, names: readonly string[], table = SHT_SYMTAB): Map<string, ElfSymbol> {
  const found = new Map<string, ElfSymbol>();
  const symtab = elf.sections.find((s) => s.type === table);
  const strtab = symtab ? elf.sections[symtab.link] : undefined;
  if (!symtab || !strtab) return found;
  const syms = sectionBytes(elf, symtab);
  const strings = sectionBytes(elf, strtab);
  if (!syms || !strings) return found;
  const wanted = names.map((n) => Buffer.from(`${n}\0`, 'latin1'));
  for (let at = 0; at + 24 <= syms.length && found.size < names.length; at += 24) {
    const nameOffset = syms.readUInt32LE(at);
    for (let i = 0; i < wanted.length; i++) {
      const want = wanted[i];
      if (strings[nameOffset] !== want[0] || nameOffset + want.length > strings.length) continue;
      if (strings.compare(want, 0, want.length, nameOffset, nameOffset + want.length) !== 0) continue;
      // st_shndx 0 (SHN_UNDEF): defined elsewhere
      if (syms.readUInt16LE(at + 6) === 0) continue;
      if (!found.has(names[i])) found.set(names[i], { value: u64(syms, at + 8), size: u64(syms, at + 16) });
    }
  }
  return found;
}
