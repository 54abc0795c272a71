/**
 * Go's own function table (the pclntab), which every binary from the gc toolchain carries for
 * its runtime's tracebacks, stripped or not: `go build -ldflags='-s -w'` drops .symtab and DWARF
 * but keeps .gopclntab. From it we take a function's entry address and where it ends (the next
 * function's entry). Only the function table and the names are read; the pc-value tables are not.
 *
 * Layouts, by the magic number at the start (runtime/symtab.go `pcHeader` and debug/gosym's
 * go12Init for each release):
 *   0xfffffffb  Go 1.2–1.15   nfunc at 8, then the function table; pairs of 8-byte
 *                              (entry PC, offset of the _func from the table's start)
 *   0xfffffffa  Go 1.16–1.17  a header of offsets: names at word 2, functions at word 6;
 *                              pairs of 8-byte (entry PC, _func offset from the function table)
 *   0xfffffff0  Go 1.18–1.19  adds textStart at word 2 (names at 3, functions at 7); pairs of
 *   0xfffffff1  Go 1.20+      4-byte (entry offset from textStart, _func offset)
 * ("word n" is the 8-byte field at 8 + 8n.) The table has nfunc + 1 entries: the last entry's
 * PC is where the last function ends. A _func starts with its entry (a PC, or from Go 1.18 a
 * 4-byte offset from textStart) followed by a 4-byte offset of its name in the name table.
 */
import { type ElfFile, MalformedError, PF_X, PT_LOAD, sectionBytes, u32, u64 } from './elf.js';

export type PclntabFormat = 'go1.2' | 'go1.16' | 'go1.18' | 'go1.20';

const MAGICS = new Map<number, PclntabFormat>([
  [0xfffffffb, 'go1.2'],
  [0xfffffffa, 'go1.16'],
  [0xfffffff0, 'go1.18'],
  [0xfffffff1, 'go1.20'],
]);

/** Where a function's code is, as virtual addresses: [entry, end). */
export interface GoFunctionRange {
  entry: number;
  end: number;
}

export interface Pclntab {
  format: PclntabFormat;
  data: Buffer;
  nfunc: number;
  /** bytes per field of the function table: 4 from Go 1.18 (offsets), 8 before (PCs) */
  fieldSize: 4 | 8;
  functab: number;
  funcnametab: number;
  /** what _func offsets are counted from */
  funcdata: number;
  /** added to the table's PCs: 0 before Go 1.18, whose tables hold whole PCs */
  textStart: number;
}

/**
 * Reads a pclntab's header. `textStartFallback` is used when the header's textStart is 0 (a
 * binary whose linker left that word to a dynamic relocation): debug/gosym uses the start of
 * .text for the same reason. Throws MalformedError when the offsets point outside `data`.
 */
export function parsePclntab(data: Buffer, textStartFallback: number | null): Pclntab | { why: string } {
  if (data.length < 16) return { why: 'the Go function table (pclntab) is truncated' };
  const format = MAGICS.get(data.readUInt32LE(0));
  if (!format) return { why: `the Go function table (pclntab) has an unknown magic 0x${data.readUInt32LE(0).toString(16)}` };
  // two zero bytes, the instruction size quantum (1 on x86) and the pointer size
  if (data[4] !== 0 || data[5] !== 0 || data[6] !== 1 || data[7] !== 8) {
    return { why: 'the Go function table (pclntab) is not for a 64-bit x86 program' };
  }
  const word = (n: number): number => u64(data, 8 + 8 * n);
  const nfunc = word(0);
  let tab: Pclntab;
  switch (format) {
    case 'go1.2':
      tab = { format, data, nfunc, fieldSize: 8, functab: 16, funcnametab: 0, funcdata: 0, textStart: 0 };
      break;
    case 'go1.16':
      tab = { format, data, nfunc, fieldSize: 8, functab: word(6), funcnametab: word(2), funcdata: word(6), textStart: 0 };
      break;
    case 'go1.18':
    case 'go1.20': {
      const textStart = word(2) || textStartFallback;
      if (!textStart) return { why: 'the Go function table (pclntab) does not say where the code starts' };
      tab = { format, data, nfunc, fieldSize: 4, functab: word(7), funcnametab: word(3), funcdata: word(7), textStart };
      break;
    }
  }
  const tableEnd = tab.functab + (2 * nfunc + 1) * tab.fieldSize;
  if (nfunc === 0 || tableEnd > data.length || tab.funcnametab >= data.length) {
    throw new MalformedError('the Go function table (pclntab) points outside itself');
  }
  return tab;
}

function field(tab: Pclntab, at: number): number {
  return tab.fieldSize === 4 ? u32(tab.data, at) : u64(tab.data, at);
}

/** The i-th function's entry; i = nfunc gives the end of the last function. */
function entryOf(tab: Pclntab, i: number): number {
  return field(tab, tab.functab + 2 * i * tab.fieldSize) + tab.textStart;
}

function nameOffsetOf(tab: Pclntab, i: number): number {
  const func = tab.funcdata + field(tab, tab.functab + (2 * i + 1) * tab.fieldSize);
  return tab.funcnametab + u32(tab.data, func + tab.fieldSize);
}

/**
 * Looks several functions up by their full names ('crypto/tls.(*Conn).Read') in one pass over
 * the table, comparing bytes so that only matches are decoded.
 */
export function findGoFunctions(tab: Pclntab, names: readonly string[]): Map<string, GoFunctionRange> {
  const found = new Map<string, GoFunctionRange>();
  const wanted = names.map((n) => Buffer.from(`${n}\0`, 'latin1'));
  const { data } = tab;
  for (let i = 0; i < tab.nfunc && found.size < names.length; i++) {
    const nameAt = nameOffsetOf(tab, i);
    for (let w = 0; w < wanted.length; w++) {
      const want = wanted[w];
      if (data[nameAt] !== want[0] || nameAt + want.length > data.length) continue;
      if (data.compare(want, 0, want.length, nameAt, nameAt + want.length) !== 0) continue;
      const range = { entry: entryOf(tab, i), end: entryOf(tab, i + 1) };
      if (range.end <= range.entry) throw new MalformedError(`the Go function table gives ${names[w]} no code`);
      if (!found.has(names[w])) found.set(names[w], range);
    }
  }
  return found;
}

/** The section names Go's linker gives the table: .data.rel.ro.gopclntab in a PIE. */
const PCLNTAB_SECTIONS = ['.gopclntab', '.data.rel.ro.gopclntab'];

/**
 * The pclntab's bytes: its section when the section headers are there, else found by its header
 * in the loaded segments (a binary whose section headers were stripped too). `textStartFallback`
 * is passed on to parsePclntab.
 */
export function locatePclntab(elf: ElfFile, textStartFallback: number | null): Pclntab | { why: string } {
  for (const name of PCLNTAB_SECTIONS) {
    const section = elf.sections.find((s) => s.name === name);
    const data = section && sectionBytes(elf, section);
    if (data) return parsePclntab(data, textStartFallback);
  }
  for (const seg of elf.segments) {
    if (seg.type !== PT_LOAD || seg.offset + seg.filesz > elf.source.size) continue;
    const found = scanSegment(elf, elf.source.read(seg.offset, seg.filesz));
    if (found) return found;
  }
  return { why: 'not a Go binary (no Go function table, .gopclntab)' };
}

/**
 * Candidates are the 8 header bytes (magic, 0, 0, quantum 1, pointer size 8); one counts only if
 * its function table holds together, since the same bytes can occur by chance.
 */
function scanSegment(elf: ElfFile, segment: Buffer): Pclntab | null {
  for (const magic of MAGICS.keys()) {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(magic, 0);
    header.set([0, 0, 1, 8], 4);
    for (let at = segment.indexOf(header); at >= 0; at = segment.indexOf(header, at + 1)) {
      const tab = plausiblePclntab(elf, segment.subarray(at));
      if (tab) return tab;
    }
  }
  return null;
}

function plausiblePclntab(elf: ElfFile, data: Buffer): Pclntab | null {
  try {
    // no fallback: a candidate whose header has no textStart cannot be checked against the code
    const tab = parsePclntab(data, null);
    if ('why' in tab || tab.nfunc > 10_000_000) return null;
    const first = entryOf(tab, 0);
    const last = entryOf(tab, tab.nfunc);
    const inCode = (pc: number): boolean =>
      elf.segments.some((s) => s.type === PT_LOAD && s.flags & PF_X && pc >= s.vaddr && pc <= s.vaddr + s.memsz);
    if (!inCode(first) || !inCode(last) || last <= first) return null;
    for (let i = 1; i < Math.min(tab.nfunc, 64); i++) if (entryOf(tab, i) < entryOf(tab, i - 1)) return null;
    return tab;
  } catch (err) {
    if (err instanceof MalformedError) return null;
    throw err;
  }
}
