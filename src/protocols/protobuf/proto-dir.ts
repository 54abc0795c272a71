/**
 * Reading a --proto DIR: the .proto files under it, and nothing else. Symbolic links are not
 * followed (a link could point anywhere), and the count and size of files are bounded, so a
 * directory from someone else costs little to read. schema.ts resolves imports only among
 * the files read here.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import type { SchemaFailure } from './schema.js';

export const PROTO_DIR_LIMITS = Object.freeze({
  /** .proto files read from one directory tree. */
  maxFiles: 4096,
  /** Bytes of one .proto file (the biggest in googleapis are under 1 MB). */
  maxFileBytes: 4 * 1024 * 1024,
  /** Folder levels gone down. */
  maxDepth: 32,
});

/** The .proto files under `dir`, by their path relative to it (with `/`), as import names them. */
export function readProtoDir(dir: string): Map<string, string> | SchemaFailure {
  const sources = new Map<string, string>();
  const visit = (folder: string, depth: number): string | undefined => {
    if (depth > PROTO_DIR_LIMITS.maxDepth) return `${folder} is nested deeper than ${PROTO_DIR_LIMITS.maxDepth} folders`;
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        const problem = visit(path, depth + 1);
        if (problem) return problem;
      } else if (entry.isFile() && entry.name.endsWith('.proto')) {
        if (sources.size >= PROTO_DIR_LIMITS.maxFiles) return `more than ${PROTO_DIR_LIMITS.maxFiles} .proto files under ${dir}`;
        if (lstatSync(path).size > PROTO_DIR_LIMITS.maxFileBytes) return `${path} is larger than ${PROTO_DIR_LIMITS.maxFileBytes} bytes`;
        sources.set(relative(dir, path).split(sep).join(posix.sep), readFileSync(path, 'utf8'));
      }
    }
    return undefined;
  };
  try {
    if (!statSync(dir).isDirectory()) return { failed: true, reason: `${dir} is not a directory` };
    const problem = visit(dir, 0);
    return problem ? { failed: true, reason: problem } : sources;
  } catch (error) {
    return { failed: true, reason: `cannot read ${dir}: ${(error as Error).message}` };
  }
}
