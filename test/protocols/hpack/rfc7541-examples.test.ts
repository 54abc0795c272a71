/**
 * RFC 7541 Appendix C: every example, decoded in sequence on one decoder per section as the RFC
 * does, with the fields and the dynamic table (entries newest first, and its size) after each block.
 */
import { describe, expect, it } from 'vitest';

import { HpackDecoder } from '../../../src/protocols/hpack/index.js';

type Pair = [string, string];
interface Step {
  id: string;
  hex: string;
  fields: Pair[];
  table: Pair[];
  size: number;
}

const EXAMPLE = ['www.example.com', 'https://www.example.com'] as const;
const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';

const requests = (hex: [string, string, string]): Step[] => [
  {
    id: '1',
    hex: hex[0],
    fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', EXAMPLE[0]]],
    table: [[':authority', EXAMPLE[0]]],
    size: 57,
  },
  {
    id: '2',
    hex: hex[1],
    fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', EXAMPLE[0]], ['cache-control', 'no-cache']],
    table: [['cache-control', 'no-cache'], [':authority', EXAMPLE[0]]],
    size: 110,
  },
  {
    id: '3',
    hex: hex[2],
    fields: [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', EXAMPLE[0]], ['custom-key', 'custom-value']],
    table: [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', EXAMPLE[0]]],
    size: 164,
  },
];

const responses = (hex: [string, string, string]): Step[] => [
  {
    id: '1',
    hex: hex[0],
    fields: [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', EXAMPLE[1]]],
    table: [['location', EXAMPLE[1]], ['date', DATE1], ['cache-control', 'private'], [':status', '302']],
    size: 222,
  },
  {
    id: '2',
    hex: hex[1],
    fields: [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', EXAMPLE[1]]],
    table: [[':status', '307'], ['location', EXAMPLE[1]], ['date', DATE1], ['cache-control', 'private']],
    size: 222,
  },
  {
    id: '3',
    hex: hex[2],
    fields: [[':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', EXAMPLE[1]], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]],
    table: [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]],
    size: 215,
  },
];

const SECTIONS: { name: string; tableSize?: number; steps: Step[] }[] = [
  {
    name: 'C.2.1 literal with indexing',
    steps: [{ id: '', hex: '400a637573746f6d2d6b65790d637573746f6d2d686561646572', fields: [['custom-key', 'custom-header']], table: [['custom-key', 'custom-header']], size: 55 }],
  },
  { name: 'C.2.2 literal without indexing', steps: [{ id: '', hex: '040c2f73616d706c652f70617468', fields: [[':path', '/sample/path']], table: [], size: 0 }] },
  { name: 'C.2.3 literal never indexed', steps: [{ id: '', hex: '100870617373776f726406736563726574', fields: [['password', 'secret']], table: [], size: 0 }] },
  { name: 'C.2.4 indexed field', steps: [{ id: '', hex: '82', fields: [[':method', 'GET']], table: [], size: 0 }] },
  {
    name: 'C.3 requests without Huffman',
    steps: requests([
      '828684410f7777772e6578616d706c652e636f6d',
      '828684be58086e6f2d6361636865',
      '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
    ]),
  },
  {
    name: 'C.4 requests with Huffman',
    steps: requests(['828684418cf1e3c2e5f23a6ba0ab90f4ff', '828684be5886a8eb10649cbf', '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf']),
  },
  {
    name: 'C.5 responses without Huffman (table size 256: evictions)',
    tableSize: 256,
    steps: responses([
      '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d',
      '4803333037c1c0bf',
      '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31',
    ]),
  },
  {
    name: 'C.6 responses with Huffman (table size 256: evictions)',
    tableSize: 256,
    steps: responses([
      '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3',
      '4883640effc1c0bf',
      '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
    ]),
  },
];

describe('RFC 7541 Appendix C', () => {
  for (const section of SECTIONS) {
    it(section.name, () => {
      const decoder = new HpackDecoder({ initialTableSize: section.tableSize });
      for (const step of section.steps) {
        const result = decoder.decode(Buffer.from(step.hex, 'hex'));
        expect(result.error, step.id).toBeUndefined();
        expect(result.omittedFields).toBe(0);
        expect(result.fields.map((f) => [f.name, f.value]), step.id).toEqual(step.fields);
        expect(decoder.tableEntries.map((e) => [e.name, e.value]), step.id).toEqual(step.table);
        expect(decoder.tableSize, step.id).toBe(step.size);
      }
    });
  }

  it('C.1 integers: 1337 and 10 in a 5-bit prefix (size updates), 1337 in a 7-bit prefix (an index)', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(Uint8Array.from([0x3f, 0x9a, 0x0a])).error).toBeUndefined(); // size update to 1337
    expect(decoder.decode(Uint8Array.from([0x2a])).error).toBeUndefined(); // size update to 10
    const result = decoder.decode(Uint8Array.from([0xff, 0x9a, 0x0a]));
    expect(result.error?.code).toBe('invalid-index'); // index 127 + 1210 = 1337
  });
});
