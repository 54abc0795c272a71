/**
 * A packet capture of loopback TCP ports with tcpdump: the wire as the kernel delivered it, to
 * hold tinytap's view of the same traffic against.
 *
 * Only IP traffic can be captured this way: unix domain sockets never reach a network
 * interface, so for them there is no pcap ground truth (compare the peers' own output instead).
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '../harness.js';
import { exited, requireProgram, stopAtEnd } from '../programs.js';

export interface PcapStats {
  captured: number;
  receivedByFilter: number;
  droppedByKernel: number;
}

export interface Pcap {
  /** The pcap file; complete only once stop() has resolved. */
  file: string;
  /** SIGINT, wait for tcpdump to flush and exit; resolves with the file. Idempotent. */
  stop(): Promise<string>;
  /** tcpdump's own counts, known after stop(). */
  stats?: PcapStats;
}

const START_TIMEOUT_MS = 10_000;

/** The capture filter: TCP to or from any of the ports, IPv4 or IPv6. */
export function portFilter(ports: number[]): string {
  if (ports.length === 0) throw new Error('startPcap needs at least one port');
  return `tcp and (${ports.map((p) => `port ${p}`).join(' or ')})`;
}

export function tcpdumpArgs(iface: string, file: string, ports: number[]): string[] {
  return [
    '-i', iface,
    '-n', // no DNS lookups of the addresses it prints
    '-s', '0', // whole packets: bodies are what gets compared
    // Without immediate mode, libpcap's TPACKET_V3 ring hands packets over in blocks every
    // 1 s; a SIGINT before the block is handed over loses every packet in it (seen here:
    // "0 packets captured, 142 packets received by filter").
    '--immediate-mode',
    '-U', // write each packet to the file as it comes, so the file size says how far it got
    '-B', '16384', // a 16 MiB kernel buffer: a burst of 64 KiB loopback segments must not drop
    '-w', file,
    portFilter(ports),
  ];
}

/** "N packets captured" and friends, printed by tcpdump when it exits. */
export function parseTcpdumpStats(stderr: string): PcapStats | undefined {
  const count = (what: string) => Number(new RegExp(`(\\d+) packets? ${what}`).exec(stderr)?.[1] ?? NaN);
  const stats = { captured: count('captured'), receivedByFilter: count('received by filter'), droppedByKernel: count('dropped by kernel') };
  return Number.isNaN(stats.captured) ? undefined : stats;
}

/**
 * Start capturing TCP on `ports`; resolves once tcpdump is really capturing (it has printed
 * "listening on IFACE"), so traffic started afterwards is in the file.
 */
export async function startPcap({ ports, iface = 'lo', file }: { ports: number[]; iface?: string; file?: string }): Promise<Pcap> {
  const out = file ?? join(tempDir('tinytap-pcap-'), 'capture.pcap');
  const proc = spawn(requireProgram('tcpdump'), tcpdumpArgs(iface, out, ports), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const gone = exited(proc);

  await new Promise<void>((resolve, reject) => {
    let waiting = true;
    const settle = (why?: string) => {
      if (!waiting) return;
      waiting = false;
      clearTimeout(timer);
      if (why === undefined) return resolve();
      proc.kill('SIGKILL');
      reject(new Error(`tcpdump did not start capturing: ${why}`));
    };
    const timer = setTimeout(() => settle(`no "listening on ${iface}" within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    proc.stderr.on('data', () => {
      if (stderr.includes(`listening on ${iface}`)) settle();
    });
    void gone.then(() => settle(stderr.trim().split('\n')[0] || `exited with ${proc.exitCode}`));
  });

  const stopCapture = stopAtEnd(async () => {
    await settled(out);
    proc.kill('SIGINT');
    await gone;
    pcap.stats = parseTcpdumpStats(stderr);
    if (proc.exitCode !== 0) throw new Error(`tcpdump ended with ${proc.exitCode ?? proc.signalCode}: ${stderr.trim().split('\n').pop()}`);
    if (pcap.stats && pcap.stats.droppedByKernel > 0) {
      throw new Error(`tcpdump: the kernel dropped ${pcap.stats.droppedByKernel} packets; ${out} is not the whole wire`);
    }
  });
  const pcap: Pcap = {
    file: out,
    stop: async () => {
      await stopCapture();
      return out;
    },
  };
  return pcap;
}

/**
 * Wait until the file has stopped growing. tcpdump reads packets a moment after the kernel
 * queued them, and a SIGINT ends its loop without reading what is still queued: stopping as
 * soon as the traffic's last write returned would lose the last packets.
 */
async function settled(file: string, quietMs = 100, maxMs = 3_000): Promise<void> {
  const size = () => {
    try {
      return statSync(file).size;
    } catch {
      return -1;
    }
  };
  const deadline = Date.now() + maxMs;
  let last = size();
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    const now = size();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) {
      return;
    }
  }
}

/** Capture `ports` while `traffic` runs; the finished pcap and what traffic resolved with. */
export async function pcapWhile<T>(opts: { ports: number[]; iface?: string }, traffic: () => Promise<T>): Promise<{ pcap: string; result: T }> {
  const capture = await startPcap(opts);
  let result: T;
  try {
    result = await traffic();
  } catch (err) {
    await capture.stop().catch(() => {}); // the traffic's error is the one worth reading
    throw err;
  }
  return { pcap: await capture.stop(), result };
}
