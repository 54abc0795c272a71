/** Builders of PostgreSQL messages for tests (protocol-message-formats.html). */

export function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

export function msg(type: string, ...body: Buffer[]): Buffer {
  const b = Buffer.concat(body);
  return Buffer.concat([Buffer.from(type, 'latin1'), int32(b.length + 4), b]);
}

export function startup(params: Record<string, string>): Buffer {
  const body = Buffer.concat([int32(196608), ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

export const authOk = (): Buffer => msg('R', int32(0));
export const ready = (status = 'I'): Buffer => msg('Z', Buffer.from(status));
export const query = (sql: string): Buffer => msg('Q', cstr(sql));
export const parse = (sql: string, name = ''): Buffer => msg('P', cstr(name), cstr(sql), int16(0));
export const execute = (portal = ''): Buffer => msg('E', cstr(portal), int32(0));
export const sync = (): Buffer => msg('S');
export const complete = (tag: string): Buffer => msg('C', cstr(tag));

export function bind(values: Array<string | null>, statement = '', portal = ''): Buffer {
  const parts = values.map((v) => (v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)])));
  return msg('B', cstr(portal), cstr(statement), int16(0), int16(values.length), ...parts, int16(0));
}

export function rowDescription(names: string[]): Buffer {
  return msg('T', int16(names.length), ...names.map((n) => Buffer.concat([cstr(n), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)])));
}

export function dataRow(values: Array<string | null>): Buffer {
  return msg('D', int16(values.length), ...values.map((v) => (v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)]))));
}

export function errorResponse(code: string, message: string): Buffer {
  return msg('E', Buffer.from('S'), cstr('ERROR'), Buffer.from('C'), cstr(code), Buffer.from('M'), cstr(message), Buffer.from([0]));
}
