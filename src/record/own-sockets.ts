/**
 * A record source for what tinytap's own sockets do (`tinytap replay`): the same kernel records
 * (SPEC.md §2) the BPF programs write for any process, written here by the process that made
 * the calls, handed to the same Capture through the NativeBinding surface. So a replay's
 * session is an ordinary session: reconstructed, searched, diffed and re-parsed by the code
 * that reads every other, and it needs no root.
 *
 * The bytes are exactly what crossed the socket (or, over TLS, the plaintext the TLS layer
 * took and gave, as the TLS probes record it); nothing is cut at --max-payload, writes larger
 * than a record holds are split as several syscalls would be.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

import type { NativeBinding, NativeRecorder, NativeRecorderOptions, OnBatch } from './binding.js';
import { batchOf, encodeClose, encodeConn, encodeData, encodeProc } from '../events/encode-records.js';
import { ConnCause, DataFlag, Direction, Kind, Role, Stat, Syscall, TlsLib } from '../events/layout.js';

/** The most bytes one DATA record carries: a larger write is recorded as several. */
const RECORD_BYTES = 64 << 10;

/** CLOCK_REALTIME - CLOCK_MONOTONIC (hrtime), taken once: records carry wall-clock ns. */
const CLOCK_OFFSET = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

function wallNs(): bigint {
  return process.hrtime.bigint() + CLOCK_OFFSET;
}

function ownComm(): string {
  try {
    return readFileSync('/proc/self/comm', 'latin1').trim().slice(0, 15);
  } catch {
    return 'node';
  }
}

/** An address as a CONN record holds it: family, and its bytes (IPv4 in the first 4 of 16). */
export function addressBytes(ip: string): { family: number; bytes: number[] } {
  if (isIPv4(ip)) return { family: 2, bytes: ip.split('.').map(Number) };
  if (isIPv6(ip)) {
    // an IPv4-mapped address keeps its dotted tail
    const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    let text = ip;
    if (v4) {
      const [a, b, c, d] = v4[2].split('.').map(Number);
      text = `${v4[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    }
    const [head, tail = ''] = text.includes('::') ? text.split('::') : [text, ''];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = text.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    return { family: 10, bytes: groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]) };
  }
  return { family: 2, bytes: [0, 0, 0, 0] };
}

export interface OwnConnection {
  /** Bytes this process sent (`c2s`) or received (`s2c`), in order. */
  sent(bytes: Uint8Array): void;
  received(bytes: Uint8Array): void;
  /** The peer ended its side (read returned 0). */
  peerEnded(): void;
  close(): void;
}

/** How a connection's bytes were moved: over the socket, or through a TLS library on it. */
export type OwnTransport = 'tcp' | 'tls';

class OwnRecorder implements NativeRecorder {
  private running = false;
  private nextConn = 1;
  private pending: Buffer[] = [];
  private flushScheduled = false;
  private readonly stats_ = new Array<number>(Stat.MAX).fill(0);
  private readonly comm = ownComm();
  private procWritten = false;

  constructor(
    readonly opts: NativeRecorderOptions,
    private readonly onBatch: OnBatch,
  ) {}

  start(): void {
    this.running = true;
  }

  stop(): Promise<void> {
    this.flush();
    this.running = false;
    return Promise.resolve();
  }

  addPid(): void {}

  stats(): number[] {
    return this.stats_;
  }

  features() {
    return { sendfileBodies: false, sendfileBodiesNote: 'not used: tinytap wrote these records for its own sockets' };
  }

  attachUprobes(): number {
    throw Object.assign(new Error('a replay records its own sockets: no uprobes'), { code: 'ETLS' });
  }

  markMemoryBio(): void {}

  clockOffsetNs(): bigint {
    return CLOCK_OFFSET;
  }

  private push(record: Buffer): void {
    if (!this.running) return;
    this.pending.push(record);
    // one batch per turn of the event loop, as the drain thread hands over what it read
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.onBatch(batchOf(records));
  }

  private header() {
    return { pid: process.pid, tid: process.pid, comm: this.comm, tsNs: wallNs() };
  }

  /** A connection this process made (connect() returned): its CONN record, and its PROC once. */
  connected(local: { address: string; port: number }, remote: { address: string; port: number }, transport: OwnTransport): OwnConnection {
    const connId = this.nextConn++;
    const fd = 100 + connId;
    const l = addressBytes(local.address);
    const r = addressBytes(remote.address);
    this.push(
      encodeConn({
        ...this.header(),
        connId,
        fd,
        family: l.family,
        role: Role.CLIENT,
        cause: ConnCause.CONNECT,
        local: [l.bytes, local.port],
        remote: [r.bytes, remote.port],
        ino: BigInt(connId),
      }),
    );
    if (!this.procWritten) {
      this.procWritten = true;
      this.push(encodeProc({ ...this.header(), argv: process.argv, ppid: process.ppid, startNs: 0n }));
    }
    const offset: Record<number, number> = { [Direction.EGRESS]: 0, [Direction.INGRESS]: 0 };
    const tls = transport === 'tls';
    const data = (dir: number, bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length || (bytes.length === 0 && at === 0); at += RECORD_BYTES) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + RECORD_BYTES));
        const syscall = tls ? (dir === Direction.EGRESS ? Syscall.SSL_WRITE : Syscall.SSL_READ) : dir === Direction.EGRESS ? Syscall.WRITE : Syscall.READ;
        this.push(
          encodeData({
            ...this.header(),
            ...(tls ? { kind: Kind.TLS_DATA, auxFd: TlsLib.OPENSSL } : {}),
            connId,
            fd,
            ret: piece.length,
            data: Buffer.from(piece.buffer, piece.byteOffset, piece.length),
            dir,
            syscall,
            streamOff: offset[dir],
            flags: DataFlag.LAST,
          }),
        );
        offset[dir] += piece.length;
        if (bytes.length === 0) break;
      }
    };
    let closed = false;
    return {
      sent: (bytes) => {
        if (!closed && bytes.length) data(Direction.EGRESS, bytes);
      },
      received: (bytes) => {
        if (!closed && bytes.length) data(Direction.INGRESS, bytes);
      },
      peerEnded: () => {
        if (!closed) data(Direction.INGRESS, new Uint8Array(0));
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.push(encodeClose({ ...this.header(), connId, fd }));
      },
    };
  }
}

/** The binding a Capture of this process's own sockets is made with, and the recorder it made. */
export function ownSocketsBinding(): NativeBinding & { recorder(): OwnRecorder | null } {
  let last: OwnRecorder | null = null;
  return {
    Recorder: class extends OwnRecorder {
      constructor(o: NativeRecorderOptions, onBatch: OnBatch) {
        super(o, onBatch);
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- the binding hands out the recorder it made
        last = this;
      }
    },
    recorder: () => last,
    clocks: () => ({ monotonicNs: process.hrtime.bigint(), realtimeNs: wallNs() }),
    layout: () => {
      throw new Error('not used when recording own sockets');
    },
    mountTracefs: () => {},
    builtWith: () => ({ bpfObject: Buffer.alloc(0), libbpf: '-', zstd: '-' }),
  };
}

export type { OwnRecorder };
