// The TypeScript decoder's offsets must be exactly those the addon (and so the BPF side, which
// includes the same header) was compiled with: formats/tinytap_events.h is the one definition.
import { describe, expect, it } from 'vitest';

import { loadBinding } from '../../src/record/binding.js';
import * as L from '../../src/events/layout.js';

const native = loadBinding().layout();

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function expectStruct(name: string, ts: Record<string, number>): void {
  const c = native[name];
  expect(ts.size, `${name} size`).toBe(c.size);
  for (const [field, { offset }] of Object.entries(c.fields)) {
    expect(ts[camel(field)], `${name}.${field}`).toBe(offset);
  }
  // and nothing in the TS layout that the header does not have
  const known = new Set(['size', ...Object.keys(c.fields).map(camel)]);
  for (const key of Object.keys(ts)) expect(known.has(key), `${name}.${key} exists in the header`).toBe(true);
}

describe('event layout (formats/tinytap_events.h)', () => {
  it('header', () => expectStruct('header', L.HeaderLayout));
  it('address', () => expectStruct('addr', { ...L.AddrLayout, scopeId: L.AddrLayout.scopeId }));
  it('data record', () => expectStruct('data', L.DataLayout));
  it('conn record', () => expectStruct('conn', L.ConnLayout));
  it('close record', () => expectStruct('close', L.CloseLayout));
  it('proc record', () => expectStruct('proc', L.ProcLayout));
  it('tls join record', () => expectStruct('tlsJoin', L.TlsJoinLayout));

  it('constants and enums', () => {
    const k = native.constants;
    expect(k.TT_LAYOUT_VERSION).toBe(L.LAYOUT_VERSION);
    expect(k.TT_COMM_LEN).toBe(L.COMM_LEN);
    expect(k.TT_UNIX_PATH_LEN).toBe(L.UNIX_PATH_LEN);
    expect(k.TT_ARGS_LEN).toBe(L.ARGS_LEN);
    expect(k.TT_MAX_IOV).toBe(L.MAX_IOV);
    expect(k.TT_CHUNK_MAX).toBe(L.CHUNK_MAX);
    for (const [name, value] of Object.entries(L.Kind)) expect(k[`TT_KIND_${name}`], name).toBe(value);
    for (const [name, value] of Object.entries(L.TlsLib)) expect(k[`TT_TLS_${name}`], name).toBe(value);
    for (const name of ['SSL_READ', 'SSL_WRITE', 'GNUTLS_RECV', 'GNUTLS_SEND', 'GO_TLS_READ', 'GO_TLS_WRITE'] as const)
      expect(k[`TT_SYS_${name}`], name).toBe(L.Syscall[name]);
    for (const [name, value] of Object.entries(L.DataFlag)) expect(k[`TT_F_${name}`], name).toBe(value);
    for (const [name, value] of Object.entries(L.Stat)) expect(k[`TT_STAT_${name}`], name).toBe(value);
    for (const [name, value] of Object.entries(L.DataXFlag)) expect(k[`TT_X_${name}`], name).toBe(value);
    for (const [name, value] of Object.entries(L.CloseHow)) expect(k[`TT_CLOSE_${name}`], name).toBe(value);
    expect(k.TT_CLOSE_F_STILL_OPEN).toBe(L.CloseFlag.STILL_OPEN);
    expect(k.TT_CAUSE_SHARED).toBe(L.ConnCause.SHARED);
    expect(k.TT_MAX_MMSG).toBe(L.MAX_MMSG);
    expect(k.TT_P_ARGS_TRUNCATED).toBe(L.ProcFlag.ARGS_TRUNCATED);
  });
});
