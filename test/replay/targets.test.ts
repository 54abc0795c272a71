import { describe, expect, it } from 'vitest';

import { TargetError, TargetTable, isLoopbackAddress, parseMapping, parseTarget } from '../../src/replay/targets.js';

describe('replay targets', () => {
  it('a target URL: scheme, host, port (the scheme\'s by default), Host authority, path prefix', () => {
    expect(parseTarget('http://127.0.0.1:9090')).toMatchObject({ scheme: 'http', host: '127.0.0.1', port: 9090, authority: '127.0.0.1:9090', basePath: '' });
    expect(parseTarget('https://localhost/v2/')).toMatchObject({ scheme: 'https', host: 'localhost', port: 443, authority: 'localhost', basePath: '/v2' });
    expect(parseTarget('http://[::1]:8080')).toMatchObject({ host: '::1', port: 8080, authority: '[::1]:8080' });
  });

  it('refuses what is not a target, saying what to write', () => {
    for (const bad of ['127.0.0.1:8080', 'ftp://x', 'http://u:p@x', 'http://x/?a=1', 'not a url'])
      expect(() => parseTarget(bad), bad).toThrow(TargetError);
    expect(() => parseMapping('127.0.0.1:8080')).toThrow(/RECORDED=URL/);
    expect(() => parseMapping('a b=http://x')).toThrow(/names a recorded server/);
  });

  it('--map picks a target by the recorded address, or by the Host the requests named', () => {
    const table = new TargetTable(null, [
      parseMapping('127.0.0.1:8080=http://localhost:9090'),
      parseMapping('API.local=http://127.0.0.1:7000'),
      parseMapping('[::1]:3000=http://127.0.0.1:3001'),
    ]);
    expect(table.targetOf({ addr: '127.0.0.1', port: 8080, host: 'whatever' })?.port).toBe(9090);
    expect(table.targetOf({ addr: '10.0.0.5', port: 80, host: 'api.local' })?.port).toBe(7000);
    expect(table.targetOf({ addr: '10.0.0.5', port: 443, host: 'api.local:443' })?.port).toBe(7000);
    expect(table.targetOf({ addr: '::1', port: 3000, host: null })?.port).toBe(3001);
    expect(table.targetOf({ addr: '127.0.0.1', port: 8081, host: 'other' })).toBeNull();
  });

  it('one of --target and --map, never both, never neither', () => {
    expect(() => new TargetTable(null, [])).toThrow(/--target URL, or --map/);
    expect(() => new TargetTable(parseTarget('http://x'), [parseMapping('a=http://b')])).toThrow(/not both/);
    expect(new TargetTable(parseTarget('http://x:1'), []).targetOf({ addr: null, port: null, host: null })?.port).toBe(1);
  });

  it('loopback addresses', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(isLoopbackAddress(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '192.0.2.1', '::2', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1']) expect(isLoopbackAddress(ip), ip).toBe(false);
  });
});
