/**
 * tinytap export FILE (--har | --curl | --postman | --insomnia | --bruno DIR) [-o OUT] [FILTER]:
 * the exchanges a filter selects, as a HAR file, a sh script of curl commands, a Postman
 * collection, an Insomnia v4 export, or a Bruno collection (a directory of files). Streamed:
 * exchanges are read one at a time and written as they come, so memory stays flat however
 * large the session. OUT is created 0600 (exports hold bodies and, with --include-secrets,
 * credentials) and appears only when complete.
 */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

import { curlScript } from '../export/curl.js';
import { harDocument } from '../export/har.js';
import { brunoCollection } from '../export/bruno.js';
import { insomniaExport } from '../export/insomnia.js';
import { postmanCollection } from '../export/postman.js';
import type { LeftOut } from '../export/collection-request.js';
import { SECRETS_LEFT_OUT_NOTE } from '../export/secrets.js';
import { sudoOwner } from '../files/owner.js';
import { PendingDirectory, checkNewDirectory } from '../files/private-dir.js';
import { FileError, PendingFile, checkNewFile, writeError } from '../files/private-file.js';
import type { Exchange } from '../model/exchange.js';
import type { Session } from '../session/session.js';
import { TINYTAP_VERSION } from '../version.js';
import { type CompiledArg, compileFilterArg, parseFilterArg } from './filter-arg.js';
import { type TimeFlags, addTimeOptions } from './time-flags.js';
import { openHistory, sessionPaths } from './open-session.js';
import type { History, HistoryFile } from '../history/history.js';
import type { QueryBounds } from '../history/catalog.js';
import { queryBounds } from '../history/query-bounds.js';
import type { WebSocketMessage } from '../model/ws-message.js';
import { term } from '../render/terminal-text.js';
import { progressBar, stderr, writeLine } from './terminal.js';
import { UsageError } from './units.js';
import { CliError } from './errors.js';
import { PROTO_OPTION, protoSchema } from './proto-flag.js';
import type { ProtoSchema } from '../protocols/protobuf/index.js';

interface ExportFlags extends TimeFlags {
  har?: boolean;
  curl?: boolean;
  postman?: boolean;
  insomnia?: boolean;
  bruno?: string;
  output?: string;
  force?: boolean;
  includeSecrets?: boolean;
  proto?: string;
}

const FORMATS = ['har', 'curl', 'postman', 'insomnia', 'bruno'] as const;
type Format = (typeof FORMATS)[number];

/** Each format's name in what the command says. */
const FORMAT_NAMES: Record<Format, string> = { har: 'HAR', curl: 'curl', postman: 'Postman', insomnia: 'Insomnia', bruno: 'Bruno' };

function formatOf(flags: ExportFlags): Format {
  const chosen = FORMATS.filter((f) => flags[f] !== undefined && flags[f] !== false);
  if (chosen.length !== 1) throw new UsageError('export needs exactly one of --har, --curl, --postman, --insomnia or --bruno DIR');
  if (flags.includeSecrets && chosen[0] === 'curl')
    throw new UsageError('--include-secrets is for --har, --postman, --insomnia and --bruno: curl commands always keep the credentials, to send the requests again');
  if (chosen[0] === 'bruno' && (flags.output !== undefined || flags.force))
    throw new UsageError('--bruno DIR writes a directory: -o and --force are for the other formats');
  return chosen[0];
}

/** A directory the user named that cannot be made: one line, and exit 2, as a usage error. */
function directoryError(err: unknown): unknown {
  return err instanceof FileError ? new CliError(err.message, 2) : err;
}

/**
 * Write a Bruno collection into DIR, which appears only when complete (files/private-dir.ts).
 * Returns how many requests it holds.
 */
function writeBruno(dir: string, exchanges: Iterable<Exchange>, file: string, f: { text: string }, flags: ExportFlags, leftOut: LeftOut): number {
  let out: PendingDirectory;
  try {
    out = PendingDirectory.begin(dir, sudoOwner());
  } catch (err) {
    throw directoryError(err);
  }
  let requests = 0;
  try {
    for (const piece of brunoCollection(exchanges, { name: basename(file), filter: f.text, includeSecrets: !!flags.includeSecrets, leftOut })) {
      out.write(piece.name, piece.data);
      if (piece.name.endsWith('.bru')) requests++;
    }
    try {
      out.commit();
    } catch (err) {
      throw directoryError(err);
    }
  } finally {
    out.discard();
  }
  return requests;
}

/**
 * The exchanges a filter selects, whole, in capture order (file after file in a history), one at
 * a time; `fileOf` says which file each came from, for what is read from it later (its
 * WebSocket messages) and the id it is known by.
 */
function* selected(
  history: History,
  select: (s: Session) => CompiledArg,
  bounds: QueryBounds,
  fileOf: WeakMap<Exchange, HistoryFile>,
  onEach: () => void,
): Generator<Exchange> {
  for (const { file, ex } of history.wholeExchanges(select, bounds)) {
    fileOf.set(ex, file);
    if (history.tagged) ex.label = history.idText(file, ex.id);
    yield ex;
    onEach();
  }
}

/** Where a history's exchange is read from again. */
interface Origin {
  messagesOf: (ex: Exchange) => WebSocketMessage[];
}

function documentOf(
  format: Exclude<Format, 'bruno'>,
  origin: Origin,
  exchanges: Iterable<Exchange>,
  file: string,
  f: { text: string },
  flags: ExportFlags,
  leftOut: LeftOut,
  schema?: ProtoSchema,
): Iterable<string> {
  switch (format) {
    case 'har':
      return harDocument(exchanges, {
        includeSecrets: !!flags.includeSecrets,
        version: TINYTAP_VERSION,
        filter: f.text,
        messagesOf: origin.messagesOf,
        schema,
      });
    case 'curl':
      return curlScript(exchanges, `tinytap ${TINYTAP_VERSION}: requests of ${basename(file)}${f.text ? ` matching ${f.text}` : ''}`);
    case 'postman':
      return postmanCollection(exchanges, { name: basename(file), id: randomUUID(), filter: f.text, includeSecrets: !!flags.includeSecrets });
    case 'insomnia':
      return insomniaExport(exchanges, {
        name: basename(file),
        id: randomUUID(),
        filter: f.text,
        includeSecrets: !!flags.includeSecrets,
        version: TINYTAP_VERSION,
        date: new Date(),
        leftOut,
      });
  }
}

/** Resolves when `out` wants more, or can take no more (closed, failed). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    out.on('drain', done).on('close', done).on('error', done);
  });
}

/**
 * Chunks of text written in large pieces, waiting whenever the stream asks to: the document
 * is produced only as fast as it is written. Stops early once `stopped()` (the reader is gone,
 * the disk is full). Text is encoded straight into the piece being filled (joining strings
 * and then encoding them copies everything twice).
 */
async function pump(chunks: Iterable<string>, out: Writable, stopped: () => boolean): Promise<void> {
  const PIECE = 1 << 20;
  let piece = Buffer.allocUnsafe(PIECE);
  let used = 0;
  const flush = async () => {
    if (!used || stopped()) return;
    // the stream keeps the piece until written: the next one is a new buffer
    const ok = out.write(piece.subarray(0, used));
    piece = Buffer.allocUnsafe(PIECE);
    used = 0;
    if (!ok) await drained(out);
  };
  for (const chunk of chunks) {
    if (stopped()) return;
    // a UTF-16 code unit is at most 3 bytes of UTF-8
    if (used + chunk.length * 3 > PIECE) await flush();
    if (chunk.length * 3 > PIECE) {
      if (!out.write(chunk)) await drained(out);
      continue;
    }
    used += piece.write(chunk, used);
  }
  await flush();
}

/**
 * Write OUT as every file tinytap creates (files/private-file.ts): private, owned by the sudo
 * user, appearing only when complete, and with --force replacing only a regular file. The
 * caller has already refused an OUT in the way (checkNewFile), before any work.
 */
async function writeFile(out: string, force: boolean, write: (stream: Writable, failed: () => boolean) => Promise<void>): Promise<void> {
  const file = PendingFile.begin(out, { replace: force, owner: sudoOwner() });
  // a deep buffer: the document is produced while earlier pieces are written, not in turns
  const stream = file.writable(8 << 20);
  // set by the listener: the cast keeps TypeScript from narrowing it to `null` for good (it
  // does not see assignments in callbacks), which made `throw failure` a throw of `never`
  let failure = null as Error | null;
  stream.on('error', (err) => (failure ??= err));
  try {
    await write(stream, () => failure !== null);
    if (!failure) {
      stream.end();
      await finished(stream).catch((err: Error) => (failure ??= err));
    }
    // one line that names OUT and says what happened ("the disk is full"), not the system call's
    if (failure) throw writeError(out, failure);
    file.commit();
  } finally {
    stream.destroy();
    await stream.settled();
    file.discard();
  }
}

export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('export exchanges as HAR 1.2, curl commands, or a Postman, Insomnia or Bruno collection')
    .argument('<file>', 'a .tinytap session, or a directory of them (record --dir); several may be given')
    .argument('[filter...]', 'only the exchanges matching a filter, as in tinytap ls')
    // "-path:/x" negates a filter term; it is not an option
    .allowUnknownOption()
    .option('--har', 'HAR 1.2, for browser DevTools and HAR viewers')
    .option('--curl', 'a sh script with one curl command per request')
    .option('--postman', 'a Postman Collection v2.1')
    .option('--insomnia', 'an Insomnia v4 export (Import in Insomnia)')
    .option('--bruno <dir>', 'a Bruno collection: DIR is made (it must not exist, or be empty), one .bru file per request')
    .option('-o, --output <file>', 'write to a file (created mode 0600) instead of stdout')
    .option('--force', 'overwrite the output file if it exists')
    .option('--include-secrets', 'HAR, Postman, Insomnia and Bruno: keep credentials (Authorization, cookies, tokens and passwords in URLs and forms, command lines)')
    .option(PROTO_OPTION[0], `HAR: ${PROTO_OPTION[1]} (in each gRPC entry's _grpc)`);
  addTimeOptions(command)
    .action(async (file: string, words: string[], flags: ExportFlags) => {
      const { paths, rest: filter } = sessionPaths(file, words);
      // what the collection is named after: the file, or the directory of a history
      const name = paths.length === 1 ? file.replace(/\/+$/, '') : 'tinytap';
      const format = formatOf(flags);
      if (flags.proto !== undefined && format !== 'har') throw new UsageError('--proto is for --har: curl and the collections send requests, they do not decode them');
      const schema = protoSchema(flags.proto);
      if (flags.force && flags.output === undefined) throw new UsageError('--force is for -o FILE: without -o the export goes to stdout');
      const arg = parseFilterArg(filter, flags);
      // before any work: an OUT that is in the way is the one error to report
      if (flags.output !== undefined) checkNewFile(flags.output, { replace: !!flags.force, owner: sudoOwner() });
      if (flags.bruno !== undefined) {
        try {
          checkNewDirectory(flags.bruno, sudoOwner());
        } catch (err) {
          throw directoryError(err);
        }
      }
      const now = new Date();
      const history = openHistory(paths);
      try {
        const select = (s: Session) => compileFilterArg(s, arg, now);
        const bounds = queryBounds(arg.ast, now);
        const count = (also: string) => history.count((s) => {
          const f = select(s);
          return { where: `(${f.where}) AND ${also}`, params: f.params };
        }, bounds);
        const f = { text: arg.text };
        // the bar shows only when writing to a file from a terminal; counting runs the filter once more
        const bar = progressBar('exporting');
        const showBar = !!(flags.output ?? flags.bruno) && bar.enabled;
        const total = showBar ? count("x.protocol = 'http'") : 0;
        // HAR, curl and Postman hold HTTP requests: database calls the filter selects are left out, and said so
        const calls = count("x.protocol != 'http'");
        const callsNote = () => {
          if (calls) writeLine(stderr, term`tinytap: left out ${calls} database call${calls === 1 ? '' : 's'}: ${FORMAT_NAMES[format]} holds HTTP requests only`);
          const grpc = leftOut.grpc;
          if (grpc)
            writeLine(stderr, term`tinytap: left out ${grpc} gRPC call${grpc === 1 ? '' : 's'}: ${FORMAT_NAMES[format]} makes gRPC requests from .proto files, which a capture does not have (tinytap export --har keeps them)`);
        };
        const leftOut: LeftOut = { grpc: 0 };
        let done = 0;
        const fileOf = new WeakMap<Exchange, HistoryFile>();
        const origin: Origin = {
          messagesOf: (ex) => {
            const from = fileOf.get(ex);
            return from ? history.session(from).wsMessages(ex.id) : [];
          },
        };
        const exchanges = selected(history, select, bounds, fileOf, () => {
          done++;
          if (showBar) bar.update(done, total);
        });
        const secretsNote = () => {
          if (format !== 'curl' && !flags.includeSecrets) writeLine(stderr, term`tinytap: ${SECRETS_LEFT_OUT_NOTE}`);
        };
        if (format === 'bruno') {
          const dir = flags.bruno ?? '';
          let requests: number;
          try {
            requests = writeBruno(dir, exchanges, name, f, flags, leftOut);
          } finally {
            bar.done();
          }
          secretsNote();
          callsNote();
          writeLine(stderr, term`wrote ${requests} request${requests === 1 ? '' : 's'} to ${dir}`);
          return;
        }
        const doc = documentOf(format, origin, exchanges, name, f, flags, leftOut, schema);
        if (flags.output) {
          try {
            await writeFile(flags.output, !!flags.force, (stream, failed) => pump(doc, stream, failed));
          } finally {
            bar.done();
          }
          secretsNote();
          callsNote();
          writeLine(stderr, term`wrote ${done} exchange${done === 1 ? '' : 's'} to ${flags.output}`);
          return;
        }
        // a reader that goes away (| head) ends the export quietly; other errors are errors
        let failure: NodeJS.ErrnoException | null = null;
        const onError = (err: NodeJS.ErrnoException) => (failure ??= err);
        process.stdout.on('error', onError);
        try {
          await pump(doc, process.stdout, () => failure !== null);
        } finally {
          process.stdout.off('error', onError);
        }
        const err = failure as NodeJS.ErrnoException | null;
        if (err && err.code !== 'EPIPE') throw err;
        secretsNote();
        callsNote();
      } finally {
        history.close();
      }
    });
}
