/**
 * Hand-made ELF files and Go function tables small enough to reason about byte by byte, for the
 * readers in src/record/elf.ts, go-pclntab.ts and go-buildinfo.ts. Field layouts: <elf.h>; the
 * pclntab layouts are described at the top of src/record/go-pclntab.ts.
 */
import type { PclntabFormat } from '../../src/record/go-pclntab.js';

export interface TinySegment {
  vaddr: number;
  /** where its bytes go in the file: chosen by the test, so that offset and address differ */
  offset: number;
  flags: number;
  data: Buffer;
  /** more than data.length for a segment with a .bss part */
  memsz?: number;
}

/** A section over bytes of a segment (`addr`, `size`), or one of its own (`data`, not loaded). */
export type TinySection = { name: string; type?: number; addr: number; size: number } | { name: string; type?: number; data: Buffer };

export interface TinyElfOptions {
  segments: TinySegment[];
  sections?: TinySection[];
  symbols?: { name: string; value: number; size: number }[];
  /** false: no section headers at all (e_shoff 0), as some strippers leave a binary */
  sectionHeaders?: boolean;
  machine?: number;
  elfClass?: number;
  elfData?: number;
}

const EHDR = 64;
const PHDR = 56;
const SHDR = 64;
const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;

/** A string table: the bytes, and each name's offset in them. */
function stringTable(names: string[]): { bytes: Buffer; offsets: number[] } {
  const offsets: number[] = [];
  let text = '\0';
  for (const n of names) {
    offsets.push(text.length);
    text += `${n}\0`;
  }
  return { bytes: Buffer.from(text, 'latin1'), offsets };
}

export function tinyElf(opts: TinyElfOptions): Buffer {
  const { segments } = opts;
  const sections: TinySection[] = [...(opts.sections ?? [])];
  const symtabAt = opts.symbols ? sections.length : -1;
  if (opts.symbols) {
    const strtab = stringTable(opts.symbols.map((s) => s.name));
    const symtab = Buffer.alloc(24 * (opts.symbols.length + 1)); // entry 0 is the null symbol
    opts.symbols.forEach((s, i) => {
      const at = 24 * (i + 1);
      symtab.writeUInt32LE(strtab.offsets[i], at);
      symtab[at + 4] = 0x12; // STB_GLOBAL, STT_FUNC
      symtab.writeUInt16LE(1, at + 6);
      symtab.writeBigUInt64LE(BigInt(s.value), at + 8);
      symtab.writeBigUInt64LE(BigInt(s.size), at + 16);
    });
    sections.push({ name: '.symtab', type: SHT_SYMTAB, data: symtab }, { name: '.strtab', type: SHT_STRTAB, data: strtab.bytes });
  }
  const shstrtab = stringTable([...sections.map((s) => s.name), '.shstrtab']);

  let end = EHDR + PHDR * segments.length;
  for (const seg of segments) end = Math.max(end, seg.offset + seg.data.length);
  const ownOffsets = new Map<TinySection, number>();
  for (const s of sections) {
    if (!('data' in s)) continue;
    ownOffsets.set(s, end);
    end += s.data.length;
  }
  const shstrtabOffset = end;
  end += shstrtab.bytes.length;
  const shoff = end;
  const withHeaders = opts.sectionHeaders ?? true;
  const shnum = withHeaders ? sections.length + 2 : 0; // the null section, ours, .shstrtab
  const file = Buffer.alloc(shoff + SHDR * shnum);

  file.write('\x7fELF', 0, 'latin1');
  file[4] = opts.elfClass ?? 2;
  file[5] = opts.elfData ?? 1;
  file[6] = 1;
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(opts.machine ?? 62, 18);
  file.writeUInt32LE(1, 20);
  file.writeBigUInt64LE(BigInt(EHDR), 32);
  file.writeBigUInt64LE(BigInt(withHeaders ? shoff : 0), 40);
  file.writeUInt16LE(EHDR, 52);
  file.writeUInt16LE(PHDR, 54);
  file.writeUInt16LE(segments.length, 56);
  file.writeUInt16LE(SHDR, 58);
  file.writeUInt16LE(shnum, 60);
  file.writeUInt16LE(withHeaders ? shnum - 1 : 0, 62);

  segments.forEach((seg, i) => {
    const at = EHDR + PHDR * i;
    file.writeUInt32LE(1, at); // PT_LOAD
    file.writeUInt32LE(seg.flags, at + 4);
    file.writeBigUInt64LE(BigInt(seg.offset), at + 8);
    file.writeBigUInt64LE(BigInt(seg.vaddr), at + 16);
    file.writeBigUInt64LE(BigInt(seg.vaddr), at + 24);
    file.writeBigUInt64LE(BigInt(seg.data.length), at + 32);
    file.writeBigUInt64LE(BigInt(seg.memsz ?? seg.data.length), at + 40);
    file.writeBigUInt64LE(0x1000n, at + 48);
    seg.data.copy(file, seg.offset);
  });
  for (const [s, offset] of ownOffsets) if ('data' in s) s.data.copy(file, offset);
  shstrtab.bytes.copy(file, shstrtabOffset);
  if (!withHeaders) return file;

  const fileOffset = (vaddr: number): number => {
    const seg = segments.find((s) => vaddr >= s.vaddr && vaddr <= s.vaddr + s.data.length);
    if (!seg) throw new Error(`tinyElf: no segment holds 0x${vaddr.toString(16)}`);
    return vaddr - seg.vaddr + seg.offset;
  };
  const header = (i: number, name: number, type: number, addr: number, offset: number, size: number, link = 0): void => {
    const h = shoff + SHDR * i;
    file.writeUInt32LE(name, h);
    file.writeUInt32LE(type, h + 4);
    file.writeBigUInt64LE(BigInt(addr), h + 16);
    file.writeBigUInt64LE(BigInt(offset), h + 24);
    file.writeBigUInt64LE(BigInt(size), h + 32);
    file.writeUInt32LE(link, h + 40);
  };
  sections.forEach((s, i) => {
    const type = s.type ?? SHT_PROGBITS;
    const link = i === symtabAt ? i + 2 : 0; // .symtab names its .strtab, which follows it
    if ('data' in s) header(i + 1, shstrtab.offsets[i], type, 0, ownOffsets.get(s) ?? 0, s.data.length, link);
    else header(i + 1, shstrtab.offsets[i], type, s.addr, fileOffset(s.addr), s.size, link);
  });
  header(shnum - 1, shstrtab.offsets[sections.length], SHT_STRTAB, 0, shstrtabOffset, shstrtab.bytes.length);
  return file;
}

export interface TinyFunction {
  name: string;
  entry: number;
}

/**
 * A Go function table in `format` for `funcs` (sorted by entry), the last ending at `end`. From
 * Go 1.18 PCs are offsets from `textStart`, which the header gives unless `unrelocated` (then 0,
 * as a linker leaves it for a dynamic relocation).
 */
export function pclntab(format: PclntabFormat, funcs: TinyFunction[], end: number, textStart: number, unrelocated = false): Buffer {
  const names = stringTable(funcs.map((f) => f.name));
  const n = funcs.length;
  const u64 = (v: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return b;
  };
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const magic = { 'go1.2': 0xfffffffb, 'go1.16': 0xfffffffa, 'go1.18': 0xfffffff0, 'go1.20': 0xfffffff1 }[format];
  const start = Buffer.concat([u32(magic), Buffer.from([0, 0, 1, 8])]);

  if (format === 'go1.2') {
    // functab right after nfunc, _func offsets and name offsets from the table's start
    const functab = 16;
    const funcsAt = functab + (2 * n + 1) * 8 + 4;
    const namesAt = funcsAt + 16 * n;
    const table = funcs.flatMap((f, i) => [u64(f.entry), u64(funcsAt + 16 * i)]);
    const bodies = funcs.map((f, i) => Buffer.concat([u64(f.entry), u32(namesAt + names.offsets[i]), u32(0)]));
    return Buffer.concat([start, u64(n), ...table, u64(end), u32(0), ...bodies, names.bytes]);
  }
  if (format === 'go1.16') {
    const namesAt = 64;
    const functab = namesAt + names.bytes.length;
    const funcsAt = (2 * n + 1) * 8; // from functab
    const header = [n, 0, namesAt, 0, 0, 0, functab].map(u64);
    const table = funcs.flatMap((f, i) => [u64(f.entry), u64(funcsAt + 16 * i)]);
    const bodies = funcs.map((f, i) => Buffer.concat([u64(f.entry), u32(names.offsets[i]), u32(0)]));
    return Buffer.concat([start, ...header, names.bytes, ...table, u64(end), ...bodies]);
  }
  const off = (pc: number): number => pc - textStart;
  const namesAt = 72;
  const functab = namesAt + names.bytes.length;
  const funcsAt = (2 * n + 1) * 4;
  const header = [n, 0, unrelocated ? 0 : textStart, namesAt, 0, 0, 0, functab].map(u64);
  const table = funcs.flatMap((f, i) => [u32(off(f.entry)), u32(funcsAt + 8 * i)]);
  const bodies = funcs.map((f, i) => Buffer.concat([u32(off(f.entry)), u32(names.offsets[i])]));
  return Buffer.concat([start, ...header, names.bytes, ...table, u32(off(end)), ...bodies]);
}
