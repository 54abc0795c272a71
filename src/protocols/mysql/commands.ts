/**
 * A command packet (the client's first packet of a command, sequence id 0) read into what a
 * call says about its request: the operation, the text, and what kind of reply to expect.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase.html
 */
import { CAP, COM } from './constants.js';
import { PayloadReader } from './payload-reader.js';
import { firstKeyword } from './sql-keyword.js';
import { redactPasswords } from '../sql-secrets.js';
import { bytesAsText, decodeValues, paramValueType } from './values.js';

/** How the server answers: the reply reader's mode. */
export type ReplyKind =
  | 'none' // QUIT, STMT_CLOSE, STMT_SEND_LONG_DATA
  | 'ok' // one OK, ERR or EOF
  | 'query' // OK, ERR, LOCAL INFILE request or result sets, maybe several
  | 'prepare'
  | 'fetch' // binary rows without column definitions
  | 'fieldList' // column definitions until EOF
  | 'statistics' // one packet of text
  | 'auth' // COM_CHANGE_USER: the authentication exchange again
  | 'stream'; // COM_BINLOG_DUMP: events until the connection ends

export interface Command {
  code: number;
  operation: string;
  text: string;
  reply: ReplyKind;
  detail: Record<string, unknown>;
}

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(COM).map(([name, code]) => [code, name]));

/** The command's name as detail.command shows it: 'COM_QUERY'. */
export function commandName(code: number): string {
  return NAMES[code] ? `COM_${NAMES[code]}` : `COM_0x${code.toString(16).padStart(2, '0')}`;
}

/** Every command except COM_STMT_EXECUTE and COM_CHANGE_USER, which need the connection's state. */
export function parseCommand(payload: Buffer, caps: bigint): Command {
  const code = payload[0] ?? -1;
  const command = (operation: string, reply: ReplyKind, text = ''): Command => ({
    code,
    operation,
    text,
    reply,
    detail: { command: commandName(code) },
  });
  const rest = (): string => bytesAsText(payload.subarray(1), false);
  const id = (): number => new PayloadReader(payload, 1).int(4) ?? 0;
  switch (code) {
    case COM.QUERY: {
      const sql = redactPasswords(querySql(payload, caps));
      return command(firstKeyword(sql) || 'QUERY', 'query', sql);
    }
    case COM.INIT_DB:
      return command('INIT_DB', 'ok', rest());
    case COM.QUIT:
      return command('QUIT', 'none');
    case COM.PING:
      return command('PING', 'ok');
    case COM.STATISTICS:
      return command('STATISTICS', 'statistics');
    case COM.FIELD_LIST: {
      const r = new PayloadReader(payload, 1);
      const table = bytesAsText(r.nulBytes(), false);
      const wildcard = bytesAsText(r.rest(), false);
      return command('FIELD_LIST', 'fieldList', wildcard ? `${table} ${wildcard}` : table);
    }
    case COM.STMT_PREPARE:
      return command('PREPARE', 'prepare', redactPasswords(rest()));
    case COM.STMT_CLOSE:
      return { ...command('CLOSE', 'none'), detail: { command: commandName(code), statementId: id() } };
    case COM.STMT_RESET:
      return { ...command('RESET', 'ok'), detail: { command: commandName(code), statementId: id() } };
    case COM.STMT_SEND_LONG_DATA: {
      const r = new PayloadReader(payload, 1);
      const detail = { command: commandName(code), statementId: r.int(4) ?? 0, param: r.int(2) ?? 0, bytes: payload.length - 7 };
      return { ...command('SEND_LONG_DATA', 'none'), detail };
    }
    case COM.STMT_FETCH: {
      const r = new PayloadReader(payload, 1);
      const detail = { command: commandName(code), statementId: r.int(4) ?? 0, fetchRows: r.int(4) ?? 0 };
      return { ...command('FETCH', 'fetch'), detail };
    }
    case COM.SET_OPTION: {
      const option = new PayloadReader(payload, 1).int(2);
      const text = option === 0 ? 'MULTI_STATEMENTS_ON' : option === 1 ? 'MULTI_STATEMENTS_OFF' : String(option ?? '');
      return command('SET_OPTION', 'ok', text);
    }
    case COM.RESET_CONNECTION:
      return command('RESET_CONNECTION', 'ok');
    case COM.PROCESS_INFO:
      return command('PROCESS_INFO', 'query');
    case COM.PROCESS_KILL:
      return command('KILL', 'ok', String(id()));
    case COM.BINLOG_DUMP:
    case COM.BINLOG_DUMP_GTID:
      return command('BINLOG_DUMP', 'stream');
    case COM.STMT_BULK_EXECUTE:
      // MariaDB's array binding: an OK, or result sets with RETURNING
      return { ...command('BULK_EXECUTE', 'query'), detail: { command: commandName(code), statementId: id() } };
    case COM.CREATE_DB:
      return command('CREATE_DB', 'ok', rest());
    case COM.DROP_DB:
      return command('DROP_DB', 'ok', rest());
    default:
      return command(NAMES[code] ?? commandName(code), 'ok');
  }
}

/**
 * COM_QUERY's SQL. With MySQL 8's CLIENT_QUERY_ATTRIBUTES the SQL follows a parameter count,
 * a parameter set count and (when there are attributes) their types, names and values.
 */
function querySql(payload: Buffer, caps: bigint): string {
  const r = new PayloadReader(payload, 1);
  if (caps & CAP.QUERY_ATTRIBUTES) {
    const count = r.lenencNumber() ?? 0;
    r.lenenc(); // parameter set count, always 1
    if (count > 0) {
      const bitmap = r.take((count + 7) >> 3);
      r.skip(1); // new params bound, always 1
      const types = [];
      for (let i = 0; i < count; i++) {
        const type = r.int(1) ?? 0xfd;
        types.push(paramValueType(type, r.int(1) ?? 0));
        r.lenencBytes(); // the attribute's name
      }
      decodeValues(r, types, bitmap, 0);
    }
  }
  return bytesAsText(r.rest(), false);
}
