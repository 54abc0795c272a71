/**
 * Learned noise: what differs between two runs of the same requests against the same server
 * (`replay --learn-noise`, `diff --noise-from A2`) differs without anything having changed, so
 * a difference of the same kind at the same place of the same endpoint is left out of a
 * comparison, and counted under its own rule, as Keploy does. Kept per endpoint: a field that
 * is noise in one route is data in another.
 *
 * A noise file (`--save-noise`, `--noise`) is JSON a user may write or edit, read as untrusted
 * input: checked entry by entry, bounded.
 */
import type { DiffReport, Difference } from './diff-sessions.js';

export interface NoiseEntry {
  endpoint: string;
  /** The difference's kind: 'header', 'body-json', 'status', ... */
  kind: string;
  /** Where in the exchange: '' for the whole of it (a status, a text body). */
  at: string;
}

export const LEARNED_NOISE_RULE = 'learned noise';

/** A noise file may name this many places at most. */
export const MAX_NOISE_ENTRIES = 100_000;

/** Where a difference is, for matching; null for differences learned noise never covers. */
function placeOf(d: Difference): string | null {
  switch (d.kind) {
    case 'header':
      return `${d.message} ${d.name.toLowerCase()}`;
    case 'body-json':
      return `${d.message} ${d.path}`;
    case 'body-text':
    case 'body-binary':
    case 'body-type':
    case 'body-partial':
    case 'body-json-omitted':
      return d.message;
    case 'status':
    case 'response':
      return '';
    case 'ws-json':
      return `${d.shape} ${d.path}`;
    case 'ws-content':
    case 'ws-messages':
      return d.shape;
    // an endpoint that appears or goes, a count, a slowdown: never noise by having been seen once
    case 'only-in-a':
    case 'only-in-b':
    case 'count':
    case 'latency':
    case 'omitted':
    case 'ws-omitted':
      return null;
  }
}

const keyOf = (e: NoiseEntry) => `${e.endpoint}\0${e.kind}\0${e.at}`;

/** The places where two runs of the same requests differed. */
export function noiseEntries(report: DiffReport): NoiseEntry[] {
  const seen = new Map<string, NoiseEntry>();
  for (const d of report.differences) {
    const at = placeOf(d);
    if (at === null) continue;
    const e = { endpoint: d.endpoint, kind: d.kind, at };
    seen.set(keyOf(e), e);
  }
  return [...seen.values()];
}

/** `report` without the differences learned noise covers; they are counted in `silenced`. */
export function withoutNoise(report: DiffReport, noise: readonly NoiseEntry[]): DiffReport {
  if (noise.length === 0) return report;
  const keys = new Set(noise.map(keyOf));
  let left = 0;
  const differences = report.differences.filter((d) => {
    const at = placeOf(d);
    const noisy = at !== null && keys.has(keyOf({ endpoint: d.endpoint, kind: d.kind, at }));
    if (noisy) left += 'pairs' in d ? d.pairs : 1;
    return !noisy;
  });
  if (left === 0) return report;
  const silenced = { ...report.silenced, [LEARNED_NOISE_RULE]: (report.silenced[LEARNED_NOISE_RULE] ?? 0) + left };
  return { ...report, differences, silenced, differs: differences.length > 0 };
}

const FORMAT = 'tinytap-noise';

export function noiseFileText(entries: readonly NoiseEntry[], learnedFrom: string): string {
  return `${JSON.stringify({ format: FORMAT, version: 1, learnedFrom, noise: entries }, null, 2)}\n`;
}

export class NoiseFileError extends Error {}

/** A noise file's entries; throws NoiseFileError with what is wrong. */
export function parseNoiseFile(text: string): NoiseEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new NoiseFileError('it is not JSON');
  }
  const d = doc as { format?: unknown; version?: unknown; noise?: unknown };
  if (!d || typeof d !== 'object' || d.format !== FORMAT) throw new NoiseFileError(`it is not a noise file ("format": "${FORMAT}" is missing)`);
  if (d.version !== 1) throw new NoiseFileError(`its version ${JSON.stringify(d.version)} is not one this tinytap reads (1)`);
  if (!Array.isArray(d.noise)) throw new NoiseFileError('"noise" is not a list');
  if (d.noise.length > MAX_NOISE_ENTRIES) throw new NoiseFileError(`it names ${d.noise.length} places, more than ${MAX_NOISE_ENTRIES}`);
  return d.noise.map((e: unknown, i) => {
    const x = e as Record<string, unknown>;
    if (!x || typeof x !== 'object' || typeof x.endpoint !== 'string' || typeof x.kind !== 'string' || typeof x.at !== 'string')
      throw new NoiseFileError(`entry ${i + 1} is not {"endpoint", "kind", "at"} strings`);
    return { endpoint: x.endpoint, kind: x.kind, at: x.at };
  });
}
