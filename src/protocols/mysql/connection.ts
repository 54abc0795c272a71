/**
 * One MySQL/MariaDB connection: the two directions' packets (framing.ts) become calls. The
 * connection phase (greeting, handshake response, authentication) becomes one 'STARTUP' call;
 * then each command packet (sequence id 0) is a call whose reply is read by a ReplyReader.
 * Replies answer commands in order (the protocol is strictly request/response, but a client that
 * pipelines is paired the same way). What the replies change is tracked here: the database
 * (COM_INIT_DB, USE, session tracking), the user (COM_CHANGE_USER), prepared statements.
 *
 * Why hand-written rather than mysql2's packet classes (lib/packets): they are written for a
 * client, so most of them parse only the server's direction (the client-side ones exist for its
 * test server and are incomplete: no attributes parsing on the server side of ChangeUser, no
 * query attributes); they read whole packets from a complete buffer and throw on short or odd
 * input; they report no stream offsets and know nothing of capture gaps; and they would parse the
 * scramble and auth response we must not keep. A passive, incremental, never-throwing reader of
 * both directions is what a capture needs, and the protocol's types are few enough to write here.
 *
 * Compression: zlib (CLIENT_COMPRESS) is inflated (compression.ts) from the packet after the
 * authentication OK on; zstd is not decoded: both directions stop there with a 'compressed' error.
 */
import { type DbCall, type DbConnection, type DbParseError, newDbCall } from '../db-call.js';
import { type StreamDirection, type StreamItem, type StreamSegment, unseenPart } from '../stream.js';
import { commandName, parseCommand, type Command } from './commands.js';
import { CAP, COM, capabilityNames } from './constants.js';
import { applyError, settleCall } from './call-result.js';
import { CompressedStream } from './compression.js';
import { PacketFramer, type Packet } from './framing.js';
import { parseChangeUser, parseGreeting, parseHandshakeResponse, type Greeting } from './handshake.js';
import { DEFAULT_MYSQL_MAX_HELD_BYTES } from './limits.js';
import { errResult, parseErr } from './replies.js';
import { ReplyReader } from './reply-reader.js';
import { firstKeyword, useTarget } from './sql-keyword.js';
import { StatementRegistry, type PreparedStatement } from './statements.js';
import type { MysqlCallDetail } from './types.js';

type Phase = 'start' | 'handshake' | 'auth' | 'command' | 'stopped';

interface Slot {
  call: DbCall;
  detail: MysqlCallDetail;
  /** The reply being read; undefined for commands that get none. */
  reader?: ReplyReader;
  /** More reply packets are expected. */
  awaiting: boolean;
  /** Runs when the reply is complete. */
  onReply?: (reader: ReplyReader) => void;
}

export interface MysqlLimits {
  maxHeldBytes: number;
}

/** What reads one direction's bytes into packets: plain framing, or framing inside compression. */
type Decoder = PacketFramer | CompressedStream;

export class MysqlConnection implements DbConnection {
  private readonly decoders: Record<StreamDirection, Decoder>;
  private readonly maxHeld: number;
  private readonly received: Record<StreamDirection, number> = { c2s: 0, s2c: 0 };
  private readonly failed: Record<StreamDirection, boolean> = { c2s: false, s2c: false };
  private phase: Phase = 'start';
  private slots: Slot[] = [];
  private awaiting: Slot[] = [];
  private startup: Slot | undefined;
  /** The last command, for the client's packets that continue it (LOCAL INFILE data, auth data). */
  private lastCommand: Slot | undefined;
  private nextIndex = 0;
  private finished = false;
  private greeting: Greeting | undefined;
  /** Capabilities both sides announced (the server's alone until the handshake response). */
  private caps = 0n;
  private user: string | undefined;
  private database: string | undefined;
  private readonly statements = new StatementRegistry();
  private switched: string | null = null;

  constructor(limits: Partial<MysqlLimits> = {}) {
    const maxHeld = limits.maxHeldBytes ?? DEFAULT_MYSQL_MAX_HELD_BYTES;
    this.maxHeld = maxHeld;
    const hooks = (dir: StreamDirection) => ({
      onPacket: (packet: Packet) => (dir === 'c2s' ? this.request(packet) : this.reply(packet)),
      checkHeader: (seq: number) => (dir === 'c2s' ? this.checkRequestHeader(seq) : undefined),
      onGap: (offset: number) =>
        this.fail(dir, offset, 'gap', 'bytes were not captured where a packet header should be: packet boundaries are lost'),
      onInvalid: (offset: number, message: string) => this.fail(dir, offset, 'invalid-message', message),
    });
    this.decoders = { c2s: new PacketFramer(hooks('c2s'), maxHeld), s2c: new PacketFramer(hooks('s2c'), maxHeld) };
  }

  get switchedTo(): string | null {
    return this.switched;
  }

  /** Bytes held for packets not yet complete. */
  get bufferedBytes(): number {
    return this.decoders.c2s.heldBytes + this.decoders.s2c.heldBytes;
  }

  push(item: StreamItem): void {
    if (this.finished || this.failed[item.dir]) return;
    try {
      if (item.kind === 'data') this.pushSegment(item);
      else {
        this.catchUp(item.dir, item.offset, item.ts);
        if (item.dir === 's2c') this.noMoreReplies();
      }
    } catch (e) {
      this.fail(item.dir, this.decoders[item.dir].offset, 'internal', `parser error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  takeCalls(): DbCall[] {
    let n = 0;
    while (n < this.slots.length && !this.slots[n].awaiting) n++;
    if (n === 0) return [];
    const taken = this.slots.slice(0, n);
    this.slots = this.slots.slice(n);
    return taken.map((slot) => settleCall(slot.call, slot.detail, slot.reader));
  }

  finish(): DbCall[] {
    if (this.finished) return [];
    this.finished = true;
    const rest = this.slots;
    this.slots = [];
    this.awaiting = [];
    return rest.map((slot) => settleCall(slot.call, slot.detail, slot.reader));
  }

  // ---- input ----

  private pushSegment(segment: StreamSegment): void {
    const { dir } = segment;
    const part = unseenPart(segment, this.received[dir]);
    if (!part) return;
    const { offset, length, bytes } = part;
    this.catchUp(dir, offset, segment.ts);
    this.received[dir] = offset + length;
    let rest = bytes;
    while (rest.length > 0) {
      const decoder = this.decoders[dir];
      const used = decoder.bytes(rest, segment.ts);
      // compression began inside this segment: the new decoder reads the rest
      if (used >= rest.length || this.decoders[dir] === decoder) break;
      rest = rest.subarray(used);
    }
    if (length > bytes.length && !this.failed[dir]) this.decoders[dir].gap(length - bytes.length, segment.ts);
  }

  /** Records of the bytes before `offset` were lost: they were moved, not seen. */
  private catchUp(dir: StreamDirection, offset: number, ts: number): void {
    if (offset <= this.received[dir]) return;
    const size = offset - this.received[dir];
    this.received[dir] = offset;
    this.decoders[dir].gap(size, ts);
  }

  // ---- client packets ----

  private request(packet: Packet): void {
    switch (this.phase) {
      case 'start':
        // no greeting seen: a handshake response has sequence id 1, a command 0
        if (packet.seq === 1 && packet.length >= 32) return this.handshakeResponse(packet, this.newSlot('STARTUP'));
        this.phase = 'command';
        return this.command(packet);
      case 'handshake':
        return this.handshakeResponse(packet, this.startup ?? this.newSlot('STARTUP'));
      case 'auth':
        // a pipelining client (Connector/J, MariaDB's) may send its first command before the OK
        if (packet.seq === 0) return this.command(packet);
        return this.continuation(this.startup, packet); // auth switch response, more auth data
      case 'command':
        if (packet.seq !== 0) return this.continuation(this.lastCommand, packet);
        return this.command(packet);
      case 'stopped':
        return;
    }
  }

  /**
   * A client packet with a sequence id other than 0 only continues a command that awaits more
   * (LOCAL INFILE data, auth data): anything else is not this protocol, or lost track of it.
   */
  private checkRequestHeader(seq: number): string | undefined {
    if (this.phase !== 'command' || seq === 0 || this.lastCommand?.awaiting) return undefined;
    return `a client packet with sequence id ${seq} where a command (sequence id 0) should start`;
  }

  private handshakeResponse(packet: Packet, slot: Slot): void {
    this.startup = slot;
    this.setRequest(slot, packet);
    const response = parseHandshakeResponse(packet.payload);
    const serverCaps = this.greeting?.capabilities ?? response.capabilities;
    this.caps = serverCaps & response.capabilities;
    const detail = slot.detail;
    detail.command = 'HANDSHAKE';
    detail.capabilities = capabilityNames(this.caps);
    if (response.sslRequest) {
      detail.sslRequest = true;
      slot.call.result = 'SSL requested: TLS follows';
      slot.call.status = 'ok';
      this.switched = 'tls';
      this.stopParsing();
      return;
    }
    this.user = response.user;
    this.database = response.database;
    slot.call.user = this.user;
    slot.call.database = this.database;
    if (response.authPlugin) detail.clientAuthPlugin = response.authPlugin;
    detail.passwordSent = response.passwordSent;
    if (response.attributes) detail.clientAttributes = response.attributes;
    this.phase = 'auth';
    this.expectReply(slot, new ReplyReader('auth', this.caps, false, undefined), () => this.authenticated());
  }

  private authenticated(): void {
    this.phase = 'command';
    const compression = this.caps & CAP.ZSTD_COMPRESSION ? 'zstd' : this.caps & CAP.COMPRESS ? 'zlib' : undefined;
    if (!compression || !this.startup) return;
    this.startup.detail.compression = compression;
    if (compression === 'zlib') return this.beginCompression();
    const message = 'zstd compression was negotiated: the packets after authentication are compressed and not decoded';
    for (const dir of ['c2s', 's2c'] as const) {
      const error: DbParseError = { dir, offset: this.decoders[dir].offset, code: 'compressed', message };
      this.startup.call.errors.push(error);
      this.failed[dir] = true;
    }
    this.stopParsing();
  }

  /** From the byte after the authentication OK, both directions are compressed packets. */
  private beginCompression(): void {
    for (const dir of ['c2s', 's2c'] as const) {
      const plain = this.decoders[dir];
      plain.stop(); // s2c: the rest of the segment holding the OK goes to the new decoder
      this.decoders[dir] = new CompressedStream(
        plain.offset,
        {
          onPacket: (packet) => (dir === 'c2s' ? this.request(packet) : this.reply(packet)),
          onFailure: (offset, code, message) => this.fail(dir, offset, code, message),
          checkHeader: dir === 'c2s' ? (seq) => this.checkRequestHeader(seq) : undefined,
        },
        this.maxHeld,
      );
    }
  }

  private continuation(slot: Slot | undefined, packet: Packet): void {
    if (!slot || !slot.awaiting) return;
    if (packet.gap) slot.call.gap = true;
    if (slot.reader?.localInfile !== undefined) slot.detail.localInfileBytes = (slot.detail.localInfileBytes ?? 0) + packet.length;
  }

  private command(packet: Packet): void {
    const code = packet.payload[0] ?? -1;
    let command: Command;
    let slot: Slot;
    if (code === COM.STMT_EXECUTE) {
      ({ command, slot } = this.execute(packet));
    } else if (code === COM.CHANGE_USER) {
      const change = parseChangeUser(packet.payload, this.caps);
      command = { code, operation: 'CHANGE_USER', text: change.user, reply: 'auth', detail: { command: commandName(code) } };
      slot = this.commandSlot(command, packet);
      Object.assign(slot.detail, { changeUser: change.user, passwordSent: change.passwordSent });
      if (change.authPlugin) slot.detail.clientAuthPlugin = change.authPlugin;
      slot.onReply = (reader) => {
        if (reader.error) return;
        this.user = change.user;
        this.database = change.database;
      };
    } else {
      command = parseCommand(packet.payload, this.caps);
      const bulk = code === COM.STMT_BULK_EXECUTE ? this.statements.get(command.detail.statementId as number) : undefined;
      if (bulk) command = { ...command, text: bulk.sql, operation: firstKeyword(bulk.sql) || command.operation };
      slot = this.commandSlot(command, packet);
      slot.onReply = this.afterReply(command);
    }
    this.lastCommand = slot;
    if (command.code === COM.STMT_SEND_LONG_DATA) this.statements.longData(packet.payload);
    if (command.code === COM.STMT_CLOSE) this.statements.close(slot.detail.statementId ?? -1);
    if (command.reply === 'none') return;
    const binary = code === COM.STMT_EXECUTE || code === COM.STMT_FETCH;
    const known = this.statements.get(slot.detail.statementId ?? -1)?.columns;
    const onReply = slot.onReply;
    slot.onReply = undefined;
    this.expectReply(slot, new ReplyReader(command.reply, this.caps, binary, known), onReply);
  }

  private execute(packet: Packet): { command: Command; slot: Slot } {
    const execute = this.statements.execute(packet.payload, this.caps);
    const statement = execute.statement;
    const sql = statement?.sql ?? '';
    const command: Command = {
      code: COM.STMT_EXECUTE,
      operation: firstKeyword(sql) || 'EXECUTE',
      text: sql,
      reply: 'query',
      detail: { command: commandName(COM.STMT_EXECUTE) },
    };
    const slot = this.commandSlot(command, packet);
    slot.detail.statementId = execute.statementId;
    if (execute.flags) slot.detail.executeFlags = execute.flags;
    if (!statement) slot.detail.unknownStatement = true;
    if (execute.params) slot.call.params = execute.params;
    if (execute.paramTypes) slot.detail.paramTypes = execute.paramTypes;
    if (statement) slot.onReply = (reader) => this.rememberColumns(statement, reader);
    return { command, slot };
  }

  /** What a successful reply changes on the connection. */
  private afterReply(command: Command): ((reader: ReplyReader) => void) | undefined {
    switch (command.code) {
      case COM.INIT_DB:
        return (reader) => {
          if (!reader.error) this.database = command.text;
        };
      case COM.QUERY: {
        const target = command.operation === 'USE' ? useTarget(command.text) : undefined;
        return (reader) => {
          if (target !== undefined && !reader.error) this.database = target;
        };
      }
      case COM.STMT_PREPARE:
        return (reader) => {
          const prepared = reader.prepared;
          if (!prepared) return;
          const { statementId, paramCount, columns } = prepared;
          this.statements.add({ id: statementId, sql: command.text, paramCount, columns, longData: new Map(), longDataParams: new Set() });
        };
      default:
        return undefined;
    }
  }

  /** MariaDB sends an execute's column definitions only when they changed: keep the latest. */
  private rememberColumns(statement: PreparedStatement, reader: ReplyReader): void {
    if (reader.resultColumns) statement.columns = reader.resultColumns;
  }

  // ---- server packets ----

  private reply(packet: Packet): void {
    if (this.phase === 'start' || (this.phase === 'handshake' && !this.startup?.call.request)) {
      if (this.phase === 'start' && packet.seq === 0 && packet.payload[0] === 0x0a) return this.greet(packet);
      if (this.phase === 'start' && packet.seq === 0 && packet.payload[0] === 0xff) return this.refused(packet);
      if (this.phase === 'start') this.phase = 'command';
    }
    const slot = this.awaiting[0] ?? this.orphan();
    if (!slot) return;
    this.addReply(slot, packet);
  }

  private greet(packet: Packet): void {
    this.greeting = parseGreeting(packet.payload);
    this.caps = this.greeting.capabilities;
    const slot = this.newSlot('STARTUP');
    this.startup = slot;
    Object.assign(slot.detail, {
      command: 'HANDSHAKE',
      protocolVersion: this.greeting.protocolVersion,
      serverVersion: this.greeting.serverVersion,
      connectionId: this.greeting.connectionId,
    });
    if (this.greeting.authPlugin) slot.detail.authPlugin = this.greeting.authPlugin;
    slot.awaiting = true; // for the handshake response
    this.phase = 'handshake';
  }

  /** The server's first packet is an ERR: it refused the connection (too many, host blocked). */
  private refused(packet: Packet): void {
    const slot = this.newSlot('STARTUP');
    const err = parseErr(packet.payload);
    slot.detail.command = 'HANDSHAKE';
    this.setResponse(slot, packet);
    applyError(slot.call, slot.detail, err, errResult(err));
    this.phase = 'stopped';
  }

  /** A reply with no command waiting: the capture began after the command was sent. */
  private orphan(): Slot | undefined {
    if (this.failed.c2s) return undefined;
    const slot = this.newSlot('UNKNOWN');
    this.expectReply(slot, new ReplyReader('query', this.caps, false, undefined));
    return slot;
  }

  private addReply(slot: Slot, packet: Packet): void {
    const reader = slot.reader;
    if (!reader) return;
    this.setResponse(slot, packet);
    reader.push(packet);
    if (!reader.done) return;
    slot.awaiting = false;
    this.awaiting = this.awaiting.filter((s) => s !== slot);
    if (reader.schema !== undefined && !reader.error) this.database = reader.schema;
    slot.onReply?.(reader);
  }

  private noMoreReplies(): void {
    for (const slot of this.awaiting) slot.awaiting = false;
    this.awaiting = [];
    if (this.startup?.awaiting) this.startup.awaiting = false;
  }

  // ---- slots and calls ----

  private newSlot(operation: string): Slot {
    const detail: MysqlCallDetail = {};
    const call = newDbCall('mysql', this.nextIndex++, operation, detail as Record<string, unknown>);
    if (this.user !== undefined) call.user = this.user;
    if (this.database !== undefined) call.database = this.database;
    const slot: Slot = { call, detail, awaiting: false };
    this.slots.push(slot);
    return slot;
  }

  private commandSlot(command: Command, packet: Packet): Slot {
    const slot = this.newSlot(command.operation);
    slot.call.text = command.text;
    Object.assign(slot.detail, command.detail);
    this.setRequest(slot, packet);
    return slot;
  }

  private expectReply(slot: Slot, reader: ReplyReader, onReply?: (reader: ReplyReader) => void): void {
    slot.reader = reader;
    slot.onReply = onReply;
    slot.awaiting = !this.failed.s2c;
    if (slot.awaiting && !this.awaiting.includes(slot)) this.awaiting.push(slot);
  }

  private setRequest(slot: Slot, packet: Packet): void {
    slot.call.request = [packet.start, packet.end];
    slot.call.timing.requestStart = packet.startTs;
    slot.call.timing.requestEnd = packet.endTs;
    if (packet.gap) slot.call.gap = true;
    slot.awaiting = false;
  }

  private setResponse(slot: Slot, packet: Packet): void {
    const call = slot.call;
    call.response = [call.response?.[0] ?? packet.start, packet.end];
    call.timing.responseStart ??= packet.startTs;
    call.timing.responseEnd = packet.endTs;
    if (packet.gap) call.gap = true;
  }

  /** A direction cannot be parsed any further. */
  private fail(dir: StreamDirection, offset: number, code: string, message: string): void {
    if (this.failed[dir]) return;
    this.failed[dir] = true;
    this.decoders[dir].stop();
    const error: DbParseError = { dir, offset, code, message };
    const slot = dir === 's2c' ? (this.awaiting[0] ?? this.newSlot('UNKNOWN')) : this.newSlot('UNKNOWN');
    slot.call.errors.push(error);
    if (dir === 's2c') this.noMoreReplies();
  }

  private stopParsing(): void {
    this.phase = 'stopped';
    this.decoders.c2s.stop();
    this.decoders.s2c.stop();
    this.noMoreReplies();
  }
}
