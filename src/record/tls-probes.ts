/**
 * The uprobes for one TLS implementation in one file: which program goes at which file offset.
 * Offsets are computed here from the file's own tables rather than by libbpf's symbol lookup,
 * which gives wrong offsets for executables that are not position-independent (Node's), and
 * knows nothing of Go. Pure apart from reading the file; never throws.
 */
import { type ElfFile, SHT_DYNSYM, SHT_NOBITS, SHT_SYMTAB, fileOffsetOf, findSymbols, sectionNamed, withElfFile } from './elf.js';
import { goTlsProbesOfElf } from './go-binary.js';
import { GO_TLS_PROGRAMS, TLS_FUNCTIONS, type TlsKind } from './tls-functions.js';

export interface Uprobe {
  program: string;
  offset: number;
}

/** Probes attached together: all of them, or none (an entry without its returns). */
export interface ProbeGroup {
  /** What the group watches: a function name, or 'crypto/tls' for Go's. */
  label: string;
  probes: Uprobe[];
}

export interface ProbePlan {
  kind: TlsKind;
  /** 'openssl 3.0.19', 'gnutls 3.7.9', 'go1.19.8': what the file says, when it says. */
  version: string | null;
  groups: ProbeGroup[];
}

/** The groups for a library's functions found in `elf`, looked up in `table`. */
function libraryGroups(elf: ElfFile, kind: 'openssl' | 'gnutls', tables: number[]): ProbeGroup[] | { why: string } {
  const fns = TLS_FUNCTIONS[kind];
  const names = fns.map((f) => f.symbol);
  const symbols = new Map<string, { value: number }>();
  for (const table of tables) {
    // the next table only for what this one lacked: Node's .symtab is another 10 MB to read
    const left = names.filter((n) => !symbols.has(n));
    if (left.length === 0) break;
    for (const [name, sym] of findSymbols(elf, left, table)) symbols.set(name, sym);
  }
  const missing = fns.filter((f) => f.required && !symbols.has(f.symbol)).map((f) => f.symbol);
  if (missing.length) return { why: `no ${missing.join(', ')} in it` };
  const groups: ProbeGroup[] = [];
  for (const f of fns) {
    const sym = symbols.get(f.symbol);
    if (!sym) continue;
    const offset = fileOffsetOf(elf, sym.value);
    if (offset === null) return { why: `${f.symbol} is not in a segment loaded from the file` };
    const probes = [{ program: f.entry, offset }];
    if (f.exit) probes.push({ program: f.exit, offset });
    groups.push({ label: f.symbol, probes });
  }
  return groups;
}

const RODATA_PIECE = 1 << 20;
/** Longer than any version line a pattern reads. */
const VERSION_LINE = 64;

/**
 * The version a `marker`-prefixed line in the file's read-only data (where version strings live)
 * gives, `pattern` matched at the marker. Searched a piece at a time as bytes: Node's .rodata is
 * 47 MB, and reading it whole and making it one string took half a second of `record`'s start.
 */
function findInRodata(elf: ElfFile, marker: string, pattern: RegExp): string | null {
  const rodata = sectionNamed(elf, '.rodata');
  if (!rodata || rodata.type === SHT_NOBITS || rodata.size > 256 << 20 || rodata.offset + rodata.size > elf.source.size) return null;
  const needle = Buffer.from(marker, 'latin1');
  for (let at = 0; at < rodata.size; at += RODATA_PIECE) {
    // pieces overlap by a line, so a version split by a piece's end is read whole in this one
    const bytes = elf.source.read(rodata.offset + at, Math.min(RODATA_PIECE + VERSION_LINE, rodata.size - at));
    for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) {
      const m = pattern.exec(bytes.toString('latin1', i, Math.min(i + VERSION_LINE, bytes.length)));
      if (m) return m[1];
    }
  }
  return null;
}

function versionOf(elf: ElfFile, kind: 'openssl' | 'gnutls'): string | null {
  const v = kind === 'openssl' ? findInRodata(elf, 'OpenSSL ', /^OpenSSL (\d+\.\d+\.\d+[a-z]?)/) : findInRodata(elf, 'GnuTLS ', /^GnuTLS (\d+\.\d+\.\d+)/);
  return v ? `${kind} ${v}` : null;
}

/**
 * The probes for a shared library (libssl.so.*, libgnutls.so.*): its exported functions. libssl
 * holds no version string (libcrypto does): `companion` is a file that may, the libcrypto beside it.
 */
export function libraryProbes(path: string, kind: 'openssl' | 'gnutls', companion?: string): ProbePlan | { why: string } {
  const plan = withElfFile(path, (elf): ProbePlan | { why: string } => {
    if ('why' in elf) return elf;
    const groups = libraryGroups(elf, kind, [SHT_DYNSYM]);
    if ('why' in groups) return groups;
    return { kind, version: versionOf(elf, kind), groups };
  });
  if ('why' in plan || plan.version || !companion) return plan;
  const version = withElfFile(companion, (elf) => ('why' in elf ? null : versionOf(elf, kind)));
  return { ...plan, version: typeof version === 'string' ? version : null };
}

/** Go's own sections: a binary with either is Go's (stripped ones keep both). */
const GO_SECTIONS = ['.gopclntab', '.data.rel.ro.gopclntab', '.go.buildinfo'];

/**
 * The probes for an executable with TLS compiled in: Go's crypto/tls, or an OpenSSL linked in
 * (Node.js exports SSL_write for its addons). `null` when it has neither: most programs, which
 * use a shared library if they use TLS at all.
 */
export function executableProbes(path: string): ProbePlan | { why: string } | null {
  const plan = withElfFile(path, (elf): ProbePlan | { why: string } | null => {
    if ('why' in elf) return null; // a script, or not for this machine: nothing to watch
    const isGo = elf.sections.length === 0 || GO_SECTIONS.some((n) => sectionNamed(elf, n));
    if (isGo) {
      const go = goTlsProbesOfElf(elf);
      if ('why' in go) return elf.sections.length === 0 || go.why.startsWith('a Go binary without') || go.why.startsWith('not a Go binary') ? null : go;
      const fn = (f: typeof go.read, enter: string): Uprobe[] => [
        { program: enter, offset: f.entry },
        ...f.returns.map((offset) => ({ program: GO_TLS_PROGRAMS.ret, offset })),
      ];
      // one group: a Read watched without Write's returns would still leave calls in progress
      return {
        kind: 'go',
        version: go.goVersion,
        groups: [{ label: 'crypto/tls', probes: [...fn(go.read, GO_TLS_PROGRAMS.read), ...fn(go.write, GO_TLS_PROGRAMS.write)] }],
      };
    }
    const groups = libraryGroups(elf, 'openssl', [SHT_DYNSYM, SHT_SYMTAB]);
    if ('why' in groups) return null;
    return { kind: 'openssl', version: versionOf(elf, 'openssl'), groups };
  });
  // a program that cannot be opened (gone already) has nothing to watch either
  return plan !== null && 'why' in plan && plan.why.startsWith('cannot read') ? null : plan;
}
