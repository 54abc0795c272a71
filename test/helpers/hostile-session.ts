/**
 * A hostile session: a valid file whose every value that came from the capture or from the
 * file's meta is full of what a terminal obeys (ESC sequences: OSC 52 sets the clipboard, OSC 0
 * the window title, CSI 2J clears the screen, SGR 8 hides text; the same as 8-bit C1 controls;
 * BEL) and of bytes that are not UTF-8. Commands that print it must show those bytes as text.
 */
import Database from 'better-sqlite3';

import { ConnCause, Role } from '../../src/events/layout.js';
import { encodeClose, encodeConn, encodeProc } from '../../src/events/encode-records.js';
import { type Party, ScriptedSession } from './scripted-session.js';

/** What a terminal would obey, as Latin-1 text (one character per byte, as the model keeps bytes). */
export const HOSTILE = {
  clipboard: '\x1b]52;c;aGFja2Vk\x07',
  title: '\x1b]0;pwned\x1b\\',
  clear: '\x1b[2J\x1b[H',
  hide: '\x1b[8m',
  c1Csi: '\x9b2J',
  c1Osc: '\x9d0;t\x9c',
  bel: '\x07',
  notUtf8: '\xff\xfe\xc3(\xe2\x82',
  /** U+009B as UTF-8 (C2 9B): a C1 CSI to a terminal that reads UTF-8. */
  utf8C1: '\xc2\x9b2J',
};

/** Every hostile sequence in a row. */
export const ALL_HOSTILE = Object.values(HOSTILE).join('');

/** A process name of 15 bytes (the kernel's limit) that sets the window title and clears the line. */
export const HOSTILE_COMM = '\x1b]0;x\x07\x9b2K\x1b[8m';
export const HOSTILE_ARGV = ['evil', `--name=${HOSTILE.clipboard}`, HOSTILE.clear, HOSTILE.notUtf8];
/** A unix socket path a process bound: any bytes but NUL. */
export const HOSTILE_PATH = `/tmp/s${HOSTILE.clipboard}${HOSTILE.c1Csi}`;

const EVIL_CLIENT: Party = { pid: 6660, comm: HOSTILE_COMM, argv: HOSTILE_ARGV };
const EVIL_SERVER: Party = { pid: 6661, comm: `srv${HOSTILE.c1Osc}`, argv: ['srv', HOSTILE.title] };

function hostileHead(url: string, extra = ''): string {
  return (
    `GET ${url} HTTP/1.1\r\nHost: evil${HOSTILE.c1Csi}.test\r\nUser-Agent: ${ALL_HOSTILE}\r\n` +
    `X-Evil-Req: ${HOSTILE.clipboard}\r\nAuthorization: Bearer ${HOSTILE.title}\r\n${extra}\r\n`
  );
}

function hostileResponse(body: string, type = 'text/plain'): Buffer {
  const bytes = Buffer.from(body, 'latin1');
  return Buffer.concat([
    Buffer.from(
      `HTTP/1.1 200 OK${HOSTILE.clear}${HOSTILE.c1Osc}\r\nContent-Type: ${type}\r\nX-Evil: ${ALL_HOSTILE}\r\n` +
        `Set-Cookie: s=${HOSTILE.clipboard}\r\nContent-Length: ${bytes.length}\r\n\r\n`,
      'latin1',
    ),
    bytes,
  ]);
}

/**
 * The traffic of a hostile session: `variant` changes the bodies and headers, so that `diff` of
 * two of them has hostile differences to print.
 */
export function hostileScript(s: ScriptedSession, variant = 0): void {
  const c = s.tcp(EVIL_CLIENT, EVIL_SERVER, { clientPort: 51000, serverPort: 8080 });
  // 1: hostile headers, a hostile text body
  // a target holds no control byte below 0x80 (the parser refuses those), C1 and not-UTF-8 it may
  c.send('c2s', hostileHead(`/a${HOSTILE.c1Csi}/${variant}${HOSTILE.utf8C1}?q=${HOSTILE.c1Osc}${HOSTILE.notUtf8}`));
  s.wait(1);
  // text enough around the sequences that it is shown as text, not as a hex dump
  const prose = 'a line of text that is long enough to make the body read as text. '.repeat(4);
  c.send('s2c', hostileResponse(`${prose}\none ${ALL_HOSTILE}\ntwo ${variant} ${HOSTILE.title}\n${prose}\n`));
  // 2: a JSON body whose strings hold escape sequences, raw and as JSON escapes
  s.wait(1);
  c.send('c2s', hostileHead('/json'));
  s.wait(1);
  c.send('s2c', hostileResponse(`{"k${HOSTILE.clear}":"\\u001b]52;c;eA==\\u0007${variant}","v":"${HOSTILE.hide}${variant}"}`, 'application/json'));
  // 3: a body that is not text (hex dump)
  s.wait(1);
  c.send('c2s', hostileHead('/bin'));
  s.wait(1);
  c.send('s2c', hostileResponse(`\x00\x01${ALL_HOSTILE}${variant}`, 'application/octet-stream'));
  // 4: a request line no parser accepts: a parse error that quotes it
  s.wait(1);
  c.send('c2s', `G${HOSTILE.clear}T /x${HOSTILE.clipboard} HTTP/1.1\r\n\r\n`);
  c.close();

  // a unix socket whose paths are hostile, between two hostile processes
  s.push(
    encodeConn({ pid: EVIL_CLIENT.pid, comm: HOSTILE_COMM, connId: 900, family: 1, role: Role.CLIENT, cause: 1, localPath: '', peerPath: HOSTILE_PATH, tsNs: s.tick() }),
    encodeConn({ pid: EVIL_SERVER.pid, comm: EVIL_SERVER.comm, connId: 901, family: 1, role: Role.SERVER, cause: 2, localPath: HOSTILE_PATH, peerPath: '', tsNs: s.tick() }),
    encodeClose({ pid: EVIL_CLIENT.pid, connId: 900, tsNs: s.tick() }),
    encodeClose({ pid: EVIL_SERVER.pid, connId: 901, tsNs: s.tick() }),
  );
  // a failed connect from a process whose name and command line are hostile
  const failer: Party = { pid: 6662, comm: `f${HOSTILE.clear}`, argv: ['f', HOSTILE.clipboard] };
  s.push(encodeProc({ pid: failer.pid, comm: failer.comm, argv: failer.argv ?? [], tsNs: s.tick() }));
  s.push(
    encodeConn({ pid: failer.pid, comm: failer.comm, connId: 902, role: Role.CLIENT, cause: ConnCause.CONNECT_FAILED, error: 111, remote: [[127, 0, 0, 1], 9], tsNs: s.tick() }),
  );
  s.refusedLater(failer, 9);
}

/** The meta values `info` prints, made hostile (a crafted file can hold anything there). */
export function makeMetaHostile(file: string): void {
  const db = new Database(file);
  try {
    const set = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    const put = (key: string, value: unknown) => set.run(key, JSON.stringify(value));
    put('host', `host${HOSTILE.clipboard}`);
    put('kernel', `6.1${HOSTILE.title}${HOSTILE.c1Csi}`);
    put('tinytap_version', `9${HOSTILE.clear}`);
    put('command_line', ['tinytap', 'record', '--', 'curl', '-H', `Authorization: Bearer ${HOSTILE.hide}`, HOSTILE.clipboard]);
    put('filters', { pids: [], comms: [HOSTILE.title], ports: [], command: ['curl', HOSTILE.c1Osc] });
    put('stop_reason', `odd${HOSTILE.clipboard}`);
    put('sendfile_bodies', { captured: false, note: `note${HOSTILE.clear}` });
  } finally {
    db.close();
  }
}

/** A hostile session at `path` (variant: see hostileScript), its meta hostile too. */
export async function writeHostileSession(path: string, variant = 0): Promise<void> {
  const s = new ScriptedSession(path);
  hostileScript(s, variant);
  await s.finish();
  makeMetaHostile(path);
}

/**
 * A crafted file whose `meta` is a view of a table that is gone, named with escape sequences:
 * reading it fails with SQLite's "no such table: main.<name>". Whether tinytap runs the view
 * or refuses it, the error that reaches the terminal must be escaped.
 */
export function breakMetaHostilely(file: string): void {
  const db = new Database(file);
  try {
    const name = `evil${HOSTILE.clipboard}${HOSTILE.utf8C1}`.replace(/`/g, '``');
    db.exec(`CREATE TABLE \`${name}\` (key TEXT, value TEXT)`);
    db.exec('ALTER TABLE meta RENAME TO meta_old');
    db.exec(`CREATE VIEW meta AS SELECT key, value FROM \`${name}\``);
    db.exec(`DROP TABLE \`${name}\``);
  } finally {
    db.close();
  }
}

/**
 * Where `out` holds what a terminal obeys: ESC and the other C0 controls but newline and tab,
 * DEL, and the C1 controls, whether encoded as UTF-8 (C2 80 to C2 9F) or raw (0x80 to 0x9f,
 * which a terminal not in UTF-8 mode reads as C1). Each with some context, for the message.
 */
export function terminalControls(out: Buffer): string[] {
  const found: string[] = [];
  const at = (i: number) => JSON.stringify(out.subarray(Math.max(0, i - 24), i + 24).toString('latin1'));
  let i = 0;
  while (i < out.length) {
    const b = out[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    const valid = len > 0 && i + len <= out.length && [...out.subarray(i + 1, i + len)].every((c) => c >= 0x80 && c <= 0xbf);
    if (!valid) {
      // a byte that starts no UTF-8 sequence: raw C1 is a control to a Latin-1 terminal
      if (b >= 0x80 && b <= 0x9f) found.push(at(i));
      i++;
      continue;
    }
    const cp = len === 1 ? b : len === 2 ? ((b & 0x1f) << 6) | (out[i + 1] & 0x3f) : -1;
    if ((cp >= 0 && cp < 0x20 && cp !== 0x0a && cp !== 0x09) || (cp >= 0x7f && cp <= 0x9f)) found.push(at(i));
    i += len;
  }
  return found;
}

/** Our own sequences, which a command writes on a terminal: the colours it uses, and the
 * progress bar's "\r ESC[K". Any other escape sequence came from the data. */
// eslint-disable-next-line no-control-regex
export const OWN_SEQUENCES = /\x1b\[(?:0|1|2|31|32|33|35|36|31;1|1;33)m|\r\x1b\[K/g;
