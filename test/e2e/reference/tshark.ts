/**
 * Running tshark on a pcap with the preferences every comparison needs, spelled out so that a
 * preferences file on the machine cannot change the answer.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { outputOf } from '../programs.js';

/**
 * Reassemble TCP, HTTP headers and bodies (also chunked), TLS records, and decode
 * gzip/deflate/brotli content, so that a body is the bytes the application meant, however the
 * wire framed them. These are tshark 4.0's defaults too; they are here so no profile changes them.
 */
export const HTTP_PREFS: Record<string, string> = {
  'tcp.desegment_tcp_streams': 'TRUE',
  'tcp.analyze_sequence_numbers': 'TRUE',
  'tcp.relative_sequence_numbers': 'TRUE',
  'http.desegment_headers': 'TRUE',
  'http.desegment_body': 'TRUE',
  'http.dechunk_body': 'TRUE',
  'http.decompress_body': 'TRUE',
  'tls.desegment_ssl_records': 'TRUE',
  'tls.desegment_ssl_application_data': 'TRUE',
};

/** tshark says this on every run as root; it is not a problem with the capture. */
const ROOT_WARNING = /^Running as user "[^"]*" and group "[^"]*"\./;

/**
 * An empty configuration directory: root's ~/.config/wireshark may hold preferences, disabled
 * protocols or "decode as" entries that would quietly change what tshark reports.
 */
function cleanConfigDir(): string {
  const dir = join(tmpdir(), 'tinytap-tshark-empty-config'); // tshark only reads it
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface TsharkOptions {
  prefs?: Record<string, string>;
  /** A display filter (-Y). */
  filter?: string;
  /** "Decode as" entries, e.g. `tcp.port==8080,http` (-d). */
  decodeAs?: string[];
  /** Protocols tshark must not try (--disable-protocol). */
  disable?: string[];
}

/** The argument list for reading `pcap` (exported so a report can show the exact call). */
export function tsharkArgs(pcap: string, output: string[], opts: TsharkOptions = {}): string[] {
  const args = ['-r', pcap, '-n']; // -n: no name resolution, addresses stay numbers
  for (const [k, v] of Object.entries(opts.prefs ?? {})) args.push('-o', `${k}:${v}`);
  for (const d of opts.decodeAs ?? []) args.push('-d', d);
  if (opts.disable?.length) args.push('--disable-protocol', opts.disable.join(','));
  if (opts.filter) args.push('-Y', opts.filter);
  return [...args, ...output];
}

export function tshark(pcap: string, output: string[], opts: TsharkOptions = {}): Promise<string> {
  return outputOf('tshark', tsharkArgs(pcap, output, opts), {
    env: { ...process.env, WIRESHARK_CONFIG_DIR: cleanConfigDir() },
    quiet: ROOT_WARNING,
  });
}

/** One packet's layers as tshark's JSON has them: `frame`, `tcp`, `http` ... */
export type TsharkPacket = Record<string, unknown>;

/**
 * The dissection as JSON with every field's raw bytes (-x adds `<field>_raw`: [hex, offset,
 * length, bitmask, type]), limited to the layers named. --no-duplicate-keys makes a repeated
 * field, or a layer repeated in one frame (several HTTP messages in one segment), an array
 * instead of duplicate keys that JSON.parse would drop.
 */
export async function tsharkPackets(pcap: string, layers: string[], opts: TsharkOptions = {}): Promise<TsharkPacket[]> {
  const out = await tshark(pcap, ['-T', 'json', '-x', '--no-duplicate-keys', '-J', layers.join(' ')], opts);
  const packets = JSON.parse(out || '[]') as { _source: { layers: TsharkPacket } }[];
  return packets.map((p) => p._source.layers);
}

/** Tab-separated fields (-T fields), one row per packet, first occurrence of each field. */
export async function tsharkFields(pcap: string, fields: string[], opts: TsharkOptions = {}): Promise<string[][]> {
  const output = ['-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])];
  const out = await tshark(pcap, output, opts);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

let claimants: Promise<string[]> | undefined;

/**
 * Dissectors tshark ties to a TCP port in the kernel's ephemeral range (tshark 4.0: enip on
 * 44818, irc on 57000, pcp, ams ...). Test servers and clients get ports from that range, and
 * tshark tries the lower port of a connection first: a client that happened to get 44818 would
 * have its HTTP dissected as EtherNet/IP. Disabling these few protocols rules that out.
 */
export function ephemeralPortClaimants(): Promise<string[]> {
  claimants ??= (async () => {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const table = await outputOf('tshark', ['-G', 'decodes'], { quiet: ROOT_WARNING });
    const names = new Set<string>();
    for (const line of table.split('\n')) {
      const [field, port, name] = line.split('\t');
      if (field === 'tcp.port' && Number(port) >= low && Number(port) <= high && name !== 'http' && name !== 'tls') names.add(name);
    }
    return [...names].sort();
  })();
  return claimants;
}
