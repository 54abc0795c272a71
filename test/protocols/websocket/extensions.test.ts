import { describe, expect, it } from 'vitest';
import { parseExtensions } from '../../../src/protocols/websocket/index.js';

describe('Sec-WebSocket-Extensions (response)', () => {
  it('reads permessage-deflate and its parameters', () => {
    expect(parseExtensions('permessage-deflate; server_no_context_takeover; client_max_window_bits=10; server_max_window_bits="12"')).toEqual({
      deflate: { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 12, clientMaxWindowBits: 10 },
      unsupported: [],
      problems: [],
    });
  });

  it('has no deflate without the header, and names other extensions', () => {
    expect(parseExtensions(undefined)).toEqual({ unsupported: [], problems: [] });
    expect(parseExtensions('x-webkit-deflate-frame, Permessage-Deflate')).toMatchObject({ unsupported: ['x-webkit-deflate-frame'], deflate: { serverMaxWindowBits: 15 } });
  });

  it('reports bad window bits, unknown and repeated parameters, and a second deflate', () => {
    const { problems } = parseExtensions('permessage-deflate; client_max_window_bits=16; server_max_window_bits; foo; client_no_context_takeover; client_no_context_takeover, permessage-deflate');
    expect(problems).toEqual([
      'client_max_window_bits=16 is not 8..15',
      'server_max_window_bits= is not 8..15',
      'unknown permessage-deflate parameter foo',
      'client_no_context_takeover given twice',
      'permessage-deflate accepted twice; the first is used',
    ]);
  });
});
