/**
 * The Go release a binary was built with, from the build info blob the linker writes (Go 1.13+),
 * read the way debug/buildinfo does (readRawBuildInfo): a 32-byte header starting with the magic
 * "\xff Go buildinf:", 16-byte aligned, in .go.buildinfo or near the start of a writable
 * segment. Byte 14 is the pointer size, byte 15 the flags. With flag 2 (Go 1.18+) the version
 * follows the header as a uvarint length and the bytes; before, the header holds the address of
 * a Go string header (pointer, length) for it.
 */
import { type ElfFile, MalformedError, PF_W, PF_X, PT_LOAD, bytesAt, sectionBytes, u64 } from './elf.js';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
/** debug/buildinfo reads this much of the data segment when there is no section */
const SEARCH_SIZE = 64 * 1024;

/**
 * 'go1.19.8', or null when the binary carries no (readable) build info: the version is worth
 * showing, not worth refusing a binary for.
 */
export function goVersionOf(elf: ElfFile): string | null {
  try {
    return readVersion(elf);
  } catch (err) {
    if (err instanceof MalformedError) return null;
    throw err;
  }
}

function readVersion(elf: ElfFile): string | null {
  const blob = findBlob(elf);
  if (!blob) return null;
  const ptrSize = blob[14];
  const flags = blob[15];
  let version: string | null;
  if (flags & 2) version = uvarintString(blob, HEADER_SIZE);
  else if (ptrSize === 8 && (flags & 1) === 0) version = stringAt(elf, u64(blob, 16));
  else version = null;
  return version || null;
}

/**
 * .go.buildinfo, else the start of each writable segment: debug/buildinfo looks only in the first,
 * but in a PIE that is .data.rel.ro and the blob is at the start of the next one.
 */
function searchAreas(elf: ElfFile): Buffer[] {
  const section = elf.sections.find((s) => s.name === '.go.buildinfo');
  const bytes = section && sectionBytes(elf, section);
  if (bytes) return [bytes];
  return elf.segments
    .filter((s) => s.type === PT_LOAD && (s.flags & (PF_X | PF_W)) === PF_W)
    .map((s) => bytesAt(elf, s.vaddr, Math.min(SEARCH_SIZE, s.filesz)))
    .filter((area) => area !== null);
}

function findBlob(elf: ElfFile): Buffer | null {
  for (const area of searchAreas(elf)) {
    for (let at = area.indexOf(MAGIC); at >= 0; at = area.indexOf(MAGIC, at + 1)) {
      if (at % ALIGN === 0 && at + HEADER_SIZE <= area.length) return area.subarray(at);
    }
  }
  return null;
}

function uvarintString(bytes: Buffer, at: number): string | null {
  let length = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) return null;
    const b = bytes[at++];
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return at + length <= bytes.length ? bytes.toString('utf8', at, at + length) : null;
  }
  return null;
}

/** A Go string header (data pointer, length) at `vaddr`, and the bytes it points at. */
function stringAt(elf: ElfFile, vaddr: number): string | null {
  const header = bytesAt(elf, vaddr, 16);
  if (!header) return null;
  const length = u64(header, 8);
  if (length > 1024) return null;
  const data = bytesAt(elf, u64(header, 0), length);
  return data ? data.toString('utf8') : null;
}
