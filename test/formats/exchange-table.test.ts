// formats/exchanges.sql is the schema files hold and SPEC.md points at; model/exchange-table.ts is
// what the writer, the loader and the lists are made from. They must say the same, column by column.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import {
  ALL_COLUMNS,
  EXCHANGE_COLUMNS,
  NOT_NULL_COLUMNS,
  READ_COLUMNS,
  SORTABLE,
  SORT_NAMES,
  SUMMARY_COLUMNS,
  columnTypes,
} from '../../src/model/exchange-table.js';
import { derivedSchemaSql } from '../../src/session/format.js';
import { declaredColumns } from '../../src/session/schema-check.js';

interface ColumnInfo {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: unknown;
  pk: number;
}

function tableInfo(setup: string, table: string): ColumnInfo[] {
  const db = new Database(':memory:');
  try {
    db.exec(setup);
    return db.prepare('SELECT * FROM pragma_table_info(?)').all(table) as ColumnInfo[];
  } finally {
    db.close();
  }
}

describe('the exchanges table, defined in TypeScript and in formats/exchanges.sql', () => {
  it('has the same columns, in the same order, with the same types and constraints', () => {
    const fromSql = tableInfo(derivedSchemaSql('main'), 'exchanges');
    const fromTs = tableInfo(`CREATE TABLE exchanges (${EXCHANGE_COLUMNS.map((c) => `${c.name} ${c.sql}`).join(', ')})`, 'exchanges');
    expect(fromTs).toEqual(fromSql);
    expect(ALL_COLUMNS).toEqual(fromSql.map((c) => c.name));
  });

  it('checks rows against the types the SQL declares', () => {
    expect(columnTypes(ALL_COLUMNS)).toEqual(declaredColumns('exchanges'));
  });

  it('reads every column but the digest; lists them without the detail', () => {
    expect(READ_COLUMNS).toEqual(ALL_COLUMNS.filter((c) => c !== 'digest'));
    expect(SUMMARY_COLUMNS).toEqual(READ_COLUMNS.filter((c) => c !== 'detail'));
  });

  it('sorts by the columns it always has, and `ls --sort` names them as it always has', () => {
    expect([...SORTABLE].sort()).toEqual(
      ['id', 'req_started', 'status', 'method', 'host', 'path', 'url', 'duration_ns', 'resp_body_size', 'resp_size', 'client_comm', 'server_comm', 'client_pid', 'server_pid', 'server_port', 'ttfb_ns', 'protocol', 'operation', 'rows', 'queries'].sort(),
    );
    expect(Object.entries(SORT_NAMES)).toEqual([
      ['time', 'req_started'],
      ['id', 'id'],
      ['status', 'status'],
      ['method', 'method'],
      ['host', 'host'],
      ['path', 'path'],
      ['url', 'url'],
      ['size', 'resp_body_size'],
      ['duration', 'duration_ns'],
      ['client', 'client_comm'],
      ['server', 'server_comm'],
      ['proto', 'protocol'],
      ['operation', 'operation'],
      ['rows', 'rows'],
      ['queries', 'queries'],
    ]);
    expect([...SORTABLE].filter((c) => NOT_NULL_COLUMNS.has(c)).sort()).toEqual(['id', 'protocol', 'req_started']);
  });
});
