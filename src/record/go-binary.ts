/**
 * Where to put uprobes on a Go program's TLS: crypto/tls is compiled into the binary, so there
 * is no library to hook, only two functions of the program itself. A uretprobe is unsafe there:
 * it replaces the return address on the goroutine's stack, and Go moves and copies those stacks
 * (and checks return addresses while unwinding), which crashes the program. So we probe the
 * entry of crypto/tls.(*Conn).Read and .Write and every RET inside them instead.
 *
 * Functions come from .symtab when the binary has one, else from Go's own function table, which
 * stripped binaries keep (go-pclntab.ts). Offsets are file offsets, what a uprobe takes
 * (elf.ts fileOffsetOf). Only 64-bit little-endian x86-64 ELF files are read.
 */
import { createRequire } from 'node:module';

import { type ElfFile, MalformedError, bufferSource, fileOffsetOf, findSymbols, parseElf, sectionNamed, withElfFile } from './elf.js';
import { goVersionOf } from './go-buildinfo.js';
import { type GoFunctionRange, findGoFunctions, locatePclntab } from './go-pclntab.js';

export interface GoFunctionProbes {
  /** 'crypto/tls.(*Conn).Read' */
  name: string;
  /** file offset of the function's first instruction */
  entry: number;
  /** file offsets of every RET instruction inside the function, ascending */
  returns: number[];
}

export interface GoTlsProbes {
  /** 'go1.19.8' from the build info, when the binary has it */
  goVersion: string | null;
  read: GoFunctionProbes;
  write: GoFunctionProbes;
}

export const GO_TLS_READ = 'crypto/tls.(*Conn).Read';
export const GO_TLS_WRITE = 'crypto/tls.(*Conn).Write';

/** Far larger than any crypto/tls method: a range past it comes from a misread table. */
const MAX_FUNCTION_SIZE = 1 << 20;

/**
 * The probe offsets for a Go binary's TLS reads and writes, or `{ why }` (one line) when the
 * file is not a Go binary, has no crypto/tls, or cannot be read. Never throws. Only the headers,
 * the symbol or function table and the two functions are read.
 */
export function findGoTlsProbes(path: string): GoTlsProbes | { why: string } {
  return withElfFile(path, (elf) => goTlsProbesOfElf(elf));
}

/** findGoTlsProbes on a file's bytes. */
export function goTlsProbesOf(bytes: Buffer): GoTlsProbes | { why: string } {
  return goTlsProbesOfElf(() => parseElf(bufferSource(bytes)));
}

/** The probes of a parsed file (or one parsed inside, so its errors are caught here too). */
export function goTlsProbesOfElf(elfOf: ElfFile | { why: string } | (() => ElfFile | { why: string })): GoTlsProbes | { why: string } {
  try {
    const elf = typeof elfOf === 'function' ? elfOf() : elfOf;
    if ('why' in elf) return elf;
    return analyse(elf);
  } catch (err) {
    // MalformedError from the readers, or a RangeError from a read they did not guard: a file we
    // cannot use. Anything else is our fault (or a missing decoder), still not a reason to take
    // the recorder down, but not to be blamed on the file either.
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof MalformedError || err instanceof RangeError) return { why: `malformed ELF file: ${message}` };
    return { why: `could not analyse the file: ${message}` };
  }
}

function analyse(elf: ElfFile): GoTlsProbes | { why: string } {
  const ranges = functionRanges(elf);
  if ('why' in ranges) return ranges;
  const read = probesFor(elf, GO_TLS_READ, ranges.read);
  if ('why' in read) return read;
  const write = probesFor(elf, GO_TLS_WRITE, ranges.write);
  if ('why' in write) return write;
  return { goVersion: goVersionOf(elf), read, write };
}

function functionRanges(elf: ElfFile): { read: GoFunctionRange; write: GoFunctionRange } | { why: string } {
  const symbols = findSymbols(elf, [GO_TLS_READ, GO_TLS_WRITE, 'runtime.text']);
  const read = symbols.get(GO_TLS_READ);
  const write = symbols.get(GO_TLS_WRITE);
  if (read?.size && write?.size) {
    return {
      read: { entry: read.value, end: read.value + read.size },
      write: { entry: write.value, end: write.value + write.size },
    };
  }
  // runtime.text is where Go's code starts; .text is the same in a binary Go linked itself
  const textStart = symbols.get('runtime.text')?.value ?? sectionNamed(elf, '.text')?.addr ?? null;
  const pclntab = locatePclntab(elf, textStart);
  if ('why' in pclntab) return pclntab;
  const found = findGoFunctions(pclntab, [GO_TLS_READ, GO_TLS_WRITE]);
  const readRange = found.get(GO_TLS_READ);
  const writeRange = found.get(GO_TLS_WRITE);
  if (!readRange || !writeRange) {
    return { why: `a Go binary without crypto/tls (no ${readRange ? GO_TLS_WRITE : GO_TLS_READ})` };
  }
  return { read: readRange, write: writeRange };
}

function probesFor(elf: ElfFile, name: string, range: GoFunctionRange): GoFunctionProbes | { why: string } {
  const size = range.end - range.entry;
  if (size <= 0 || size > MAX_FUNCTION_SIZE) throw new MalformedError(`${name} is ${size} bytes long`);
  const entry = fileOffsetOf(elf, range.entry, size);
  if (entry === null) {
    return { why: `${name} at 0x${range.entry.toString(16)} is not in a segment loaded from the file` };
  }
  const returns = returnOffsets(elf.source.read(entry, size)).map((at) => entry + at);
  if (returns.length === 0) return { why: `found no RET in ${name}` };
  return { name, entry, returns };
}

type Iced = typeof import('iced-x86');
let iced: Iced | undefined;

/**
 * iced-x86 is a WebAssembly build of a tested x86 decoder: instruction lengths on x86-64 depend on
 * prefixes, REX/VEX/EVEX, ModRM, SIB and the opcode map, and a hand-written length decoder would
 * be wrong somewhere that matters (a C3 byte inside a displacement or an immediate is not a RET).
 * It is loaded on first use (its WASM takes some 200 ms to compile) and synchronously, through
 * require, as it is a CommonJS package.
 */
function loadIced(): Iced {
  iced ??= createRequire(import.meta.url)('iced-x86') as Iced;
  return iced;
}

/**
 * Offsets within `code` of every near RET (C3, C2 iw, with any prefixes, e.g. F3 C3), decoding
 * instruction by instruction from the first byte.
 */
export function returnOffsets(code: Uint8Array): number[] {
  const { Decoder, DecoderOptions, Instruction, Mnemonic } = loadIced();
  const decoder = new Decoder(64, code, DecoderOptions.None);
  const instruction = new Instruction();
  const offsets: number[] = [];
  try {
    while (decoder.canDecode) {
      const at = decoder.position;
      decoder.decodeOut(instruction);
      if (instruction.mnemonic === Mnemonic.Ret) offsets.push(at);
    }
  } finally {
    // wasm-bindgen objects hold WebAssembly memory that the JS garbage collector does not see
    instruction.free();
    decoder.free();
  }
  return offsets;
}
