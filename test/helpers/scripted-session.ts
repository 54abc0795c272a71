/**
 * Session files written from a script of traffic, through the real recorder (Capture) with a
 * fake addon: what the kernel would have recorded for processes talking over loopback, so the
 * layers above (exchanges, queries, exports, the TUI) are tested without root.
 */
import { dirname } from 'node:path';

import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { CloseFlag, ConnCause, DataFlag, Direction, EventFlag, Kind, Syscall, TlsLib } from '../../src/events/layout.js';
import { batchOf, encodeClose, encodeConn, encodeData, encodeProc, encodeTlsJoin } from '../../src/events/encode-records.js';
import { fakeBinding } from './fake-binding.js';

export interface Party {
  pid: number;
  comm: string;
  argv?: string[];
}

interface SendOptions {
  /** The sender used sendfile for the last `n` bytes: its copy has a zero-copy gap there. */
  zeroCopyTail?: number;
  /** The receiver reads only the first `n` bytes and then nothing more of this direction (a
   * server that answers without reading a body, then closes). */
  readOnly?: number;
  /** Split the receiver's reads into pieces of this size. */
  readSize?: number;
  /** Cut the sender's copy at this many bytes (as --max-payload would). */
  senderCap?: number;
}

/**
 * A TLS connection whose plaintext was captured at the library: each send is the ciphertext's
 * socket syscalls (bytes not kept) and the plaintext's TLS_DATA records. `clientBio`: the
 * client's library has memory BIOs (Node.js): its writes are written ahead of their socket and
 * joined to it by a TLS_JOIN record.
 */
export interface TlsScript {
  lib?: number;
  clientBio?: boolean;
  /** The recorder commits just before and after each plaintext written ahead: a block of its own. */
  commitAroundAhead?: boolean;
}

/** What TLS adds to each record's bytes on the wire (header, tag): any constant will do here. */
const TLS_OVERHEAD = 22;

/** A marker in the record list: the recorder commits there (a block ends). */
const COMMIT = Buffer.alloc(0);
/** A marker in the record list: a `record --dir` recorder goes on in a new file there. */
const ROTATE = Buffer.alloc(0);

const T0 = 1_795_000_000_000_000_000n;

export class ScriptedSession {
  private records: Buffer[] = [];
  private nextConn = 1;
  private ts = T0 + 1_000_000n;
  private procs = new Set<number>();
  private nextToken = 1;

  constructor(readonly path: string) {}

  /** Advance the clock. */
  wait(ms: number): void {
    this.ts += BigInt(Math.round(ms * 1e6));
  }

  tick(): bigint {
    this.ts += 1000n;
    return this.ts;
  }

  private proc(p: Party): void {
    if (this.procs.has(p.pid)) return;
    this.procs.add(p.pid);
    this.records.push(encodeProc({ pid: p.pid, comm: p.comm, argv: p.argv ?? [p.comm], tsNs: this.ts }));
  }

  /**
   * A TCP connection over loopback, both ends captured (or only one, with `only`). With
   * `servedBy`, the server accepts in one process and a forked child serves it (PostgreSQL,
   * socketserver.ForkingMixIn): the child takes the socket over, the parent lets go of its copy.
   */
  tcp(
    client: Party,
    server: Party,
    opts: { clientPort?: number; serverPort?: number; only?: 'client' | 'server'; servedBy?: Party; tls?: TlsScript } = {},
  ) {
    const clientPort = opts.clientPort ?? 40000 + this.nextConn;
    const serverPort = opts.serverPort ?? 8080;
    const cid = this.nextConn++;
    const sid = this.nextConn++;
    const haveClient = opts.only !== 'server';
    const haveServer = opts.only !== 'client';
    const off = { c2s: 0, s2c: 0 };
    const plainOff = { c2s: 0, s2c: 0 };
    const tls = opts.tls;
    if (haveClient) {
      this.records.push(
        encodeConn({ pid: client.pid, comm: client.comm, connId: cid, fd: 5, role: 1, cause: 1, local: [[127, 0, 0, 1], clientPort], remote: [[127, 0, 0, 1], serverPort], tsNs: this.tick() }),
      );
      this.proc(client);
    }
    if (haveServer) {
      this.records.push(
        encodeConn({ pid: server.pid, comm: server.comm, connId: sid, fd: 9, role: 2, cause: 2, local: [[127, 0, 0, 1], serverPort], remote: [[127, 0, 0, 1], clientPort], tsNs: this.tick() }),
      );
      this.proc(server);
      if (opts.servedBy) {
        this.proc(opts.servedBy);
        this.records.push(
          encodeConn({ pid: opts.servedBy.pid, comm: opts.servedBy.comm, connId: sid, fd: 9, role: 2, cause: ConnCause.SHARED, local: [[127, 0, 0, 1], serverPort], remote: [[127, 0, 0, 1], clientPort], tsNs: this.tick() }),
          encodeClose({ pid: server.pid, connId: sid, fd: 9, flags: CloseFlag.STILL_OPEN, tsNs: this.tick() }),
        );
        server = opts.servedBy;
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the methods below have their own `this`
    const session = this;
    const lib = tls?.lib ?? TlsLib.OPENSSL;
    const [writeCall, readCall] = lib === TlsLib.GNUTLS ? [Syscall.GNUTLS_SEND, Syscall.GNUTLS_RECV] : lib === TlsLib.GO ? [Syscall.GO_TLS_WRITE, Syscall.GO_TLS_READ] : [Syscall.SSL_WRITE, Syscall.SSL_READ];
    const sendTls = (dir: 'c2s' | 's2c', bytes: Buffer, sender: Party, receiver: Party, sConn: number, rConn: number, haveS: boolean, haveR: boolean) => {
      const wire = bytes.length + TLS_OVERHEAD;
      const [sFd, rFd] = dir === 'c2s' ? [5, 9] : [9, 5];
      const who = (p: Party) => ({ pid: p.pid, tid: p.pid, comm: p.comm });
      const cipher = (p: Party, connId: number, fd: number, d: number) =>
        encodeData({ ...who(p), connId, fd, ret: wire, dir: d, syscall: d === Direction.EGRESS ? Syscall.WRITE : Syscall.READ, streamOff: off[dir], tsNs: session.tick(), flags: DataFlag.LAST | EventFlag.TLS_CIPHER });
      const plain = (p: Party, connId: number, fd: number, d: number, streamOff: number) =>
        encodeData({ ...who(p), kind: Kind.TLS_DATA, auxFd: lib, connId, fd, ret: bytes.length, data: bytes, dir: d, syscall: d === Direction.EGRESS ? writeCall : readCall, streamOff, tsNs: session.tick() });
      if (haveS) {
        if (tls?.clientBio && dir === 'c2s') {
          // encrypted into memory first, sent with the thread's next socket write
          const token = session.nextToken++;
          if (tls.commitAroundAhead) session.commit();
          session.records.push(plain(sender, 0, -1, Direction.EGRESS, token));
          if (tls.commitAroundAhead) session.commit();
          session.records.push(encodeTlsJoin({ ...who(sender), connId: sConn, token, streamOff: plainOff[dir], fd: sFd, tsNs: session.tick() }));
          session.records.push(cipher(sender, sConn, sFd, Direction.EGRESS));
        } else {
          // the library's write() runs inside SSL_write, whose return comes after it
          session.records.push(cipher(sender, sConn, sFd, Direction.EGRESS));
          session.records.push(plain(sender, sConn, sFd, Direction.EGRESS, plainOff[dir]));
        }
      }
      if (haveR) {
        session.records.push(cipher(receiver, rConn, rFd, Direction.INGRESS));
        session.records.push(plain(receiver, rConn, rFd, Direction.INGRESS, plainOff[dir]));
      }
      off[dir] += wire;
      plainOff[dir] += bytes.length;
    };
    return {
      clientConn: cid,
      serverConn: sid,
      /** Bytes from one side to the other: the sender's write, then the receiver's reads. */
      send(dir: 'c2s' | 's2c', data: string | Buffer, o: SendOptions = {}) {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
        const [sender, receiver, sConn, rConn, haveS, haveR] =
          dir === 'c2s' ? [client, server, cid, sid, haveClient, haveServer] : [server, client, sid, cid, haveServer, haveClient];
        if (tls) return sendTls(dir, bytes, sender, receiver, sConn, rConn, haveS, haveR);
        const start = off[dir];
        if (haveS) {
          const zc = o.zeroCopyTail ?? 0;
          const head = bytes.subarray(0, bytes.length - zc);
          if (head.length) {
            const cap = o.senderCap ?? head.length;
            session.records.push(
              encodeData({ pid: sender.pid, tid: sender.pid, comm: sender.comm, connId: sConn, fd: dir === 'c2s' ? 5 : 9, ret: head.length, data: head.subarray(0, cap), dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff: start, tsNs: session.tick(), flags: DataFlag.LAST | (cap < head.length ? DataFlag.TRUNCATED : 0) }),
            );
          }
          if (zc)
            session.records.push(
              encodeData({ pid: sender.pid, tid: sender.pid, comm: sender.comm, connId: sConn, fd: 9, ret: zc, dir: Direction.EGRESS, syscall: Syscall.SENDFILE, streamOff: start + head.length, tsNs: session.tick(), flags: DataFlag.LAST | DataFlag.ZEROCOPY }),
            );
        }
        if (haveR) {
          const step = o.readSize ?? bytes.length;
          const readable = o.readOnly ?? bytes.length;
          for (let at = 0; at < readable; at += step) {
            const piece = bytes.subarray(at, Math.min(readable, at + step));
            session.records.push(
              encodeData({ pid: receiver.pid, tid: receiver.pid, comm: receiver.comm, connId: rConn, fd: dir === 'c2s' ? 9 : 5, ret: piece.length, data: piece, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: start + at, tsNs: session.tick() }),
            );
          }
        }
        off[dir] += bytes.length;
      },
      /** Both sides close; the reader of `eofTo` sees an end of stream first. */
      close(eofTo: 'client' | 'server' | null = null) {
        if (eofTo === 'client' && haveClient)
          session.records.push(encodeData({ pid: client.pid, tid: client.pid, comm: client.comm, connId: cid, fd: 5, ret: 0, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: off.s2c, tsNs: session.tick() }));
        if (haveClient) session.records.push(encodeClose({ pid: client.pid, connId: cid, fd: 5, tsNs: session.tick() }));
        if (haveServer) session.records.push(encodeClose({ pid: server.pid, connId: sid, fd: 9, tsNs: session.tick() }));
      },
    };
  }

  /**
   * A non-blocking connect() that the server refused after it returned EINPROGRESS: its CONN
   * record, then the failure under the same conn id (as the TCP state tracepoint writes it).
   */
  refusedLater(client: Party, serverPort: number): number {
    const cid = this.nextConn++;
    this.proc(client);
    this.records.push(
      encodeConn({ pid: client.pid, comm: client.comm, connId: cid, fd: 5, role: 1, cause: 1, local: [[127, 0, 0, 1], 41000 + cid], remote: [[127, 0, 0, 1], serverPort], tsNs: this.tick() }),
      encodeConn({ pid: client.pid, comm: '', connId: cid, fd: 0, role: 1, cause: ConnCause.CONNECT_FAILED, error: 111, local: [[127, 0, 0, 1], 0], remote: [[127, 0, 0, 1], serverPort], tsNs: this.tick() }),
      encodeClose({ pid: client.pid, connId: cid, fd: 5, tsNs: this.tick() }),
    );
    return cid;
  }

  /** Records the script has no method for (a unix socket, a process renamed), as they are. */
  push(...records: Buffer[]): void {
    this.records.push(...records);
  }

  /** The recorder commits here: the records so far are one block, what follows another. */
  commit(): void {
    this.records.push(COMMIT);
  }

  /**
   * A `record --dir` recorder closes the file here and goes on in the next of its chain (beside
   * the script's path, which must be a chain file name): finish() then writes the chain. A
   * script that rotates cannot also commit (each commit of such a recorder rotates).
   */
  rotate(): void {
    this.records.push(ROTATE);
  }

  /**
   * Write the session file, or the files of the chain the script rotates through (in order).
   * `onCommit`: called after each commit the script makes, while the recorder goes on (a follower polls there).
   */
  async finish(opts: { onCommit?: () => void } = {}): Promise<string[]> {
    const binding = fakeBinding();
    const chain = this.records.includes(ROTATE);
    if (chain && this.records.includes(COMMIT)) throw new Error('a script that rotates cannot commit');
    const rotation = chain ? { dir: dirname(this.path), everyMs: null, everyBytes: 1, keepMs: null, keepBytes: null } : undefined;
    const files = [this.path];
    const cap = new Capture(defaultCaptureOptions(this.path, { commitMs: 1_000_000, rotation }), binding, { onRotate: (r) => files.push(r.opened) });
    cap.start();
    // several batches, as the addon would deliver them, cut where the script commits
    const parts: Buffer[][] = [[]];
    for (const r of this.records) if (r === COMMIT || r === ROTATE) parts.push([]);
    else parts[parts.length - 1].push(r);
    for (const [i, part] of parts.entries()) {
      // the commit timer would do this; the script says where
      if (i > 0) {
        (cap as unknown as { commit(): void }).commit();
        opts.onCommit?.();
      }
      for (let j = 0; j < part.length; j += 64) binding.last!.onBatch(batchOf(part.slice(j, j + 64)));
    }
    await cap.stop('signal');
    return files;
  }
}

export const CURL: Party = { pid: 4121, comm: 'curl', argv: ['curl', '-s', 'http://127.0.0.1:8080/'] };
export const PYTHON: Party = { pid: 4088, comm: 'python3', argv: ['python3', '-m', 'http.server', '8080'] };
export const NODE: Party = { pid: 5001, comm: 'node', argv: ['node', 'server.js'] };
