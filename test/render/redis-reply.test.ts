/** A Redis reply as redis-cli prints it, from the tree the parser keeps (render/redis-reply.ts). */
import { describe, expect, it } from 'vitest';

import { redisReplyLines } from '../../src/render/redis-reply.js';

const bulk = (value: string) => ({ type: 'bulk-string', value });

describe('redisReplyLines', () => {
  it('prints scalars the way redis-cli does', () => {
    expect(redisReplyLines({ type: 'simple-string', value: 'OK' })).toEqual(['OK']);
    expect(redisReplyLines({ type: 'integer', value: '5' })).toEqual(['(integer) 5']);
    expect(redisReplyLines({ type: 'null', value: null })).toEqual(['(nil)']);
    expect(redisReplyLines(bulk('say "hi"\\'))).toEqual(['"say \\"hi\\"\\\\"']);
    expect(redisReplyLines({ type: 'double', value: '1.5' })).toEqual(['(double) 1.5']);
    expect(redisReplyLines({ type: 'simple-error', value: 'ERR nope' })).toEqual(['(error) ERR nope']);
    expect(redisReplyLines({ type: 'bulk-string', value: 'abc', length: 300000 })).toEqual(['"abc" … (300000 bytes)']);
  });

  it('numbers arrays, nests them, pairs maps, and says what was not kept', () => {
    expect(redisReplyLines({ type: 'array', count: 2, items: [bulk('a'), { type: 'array', count: 2, items: [bulk('b'), { type: 'integer', value: '1' }] }] })).toEqual([
      '1) "a"',
      '2) 1) "b"',
      '   2) (integer) 1',
    ]);
    expect(redisReplyLines({ type: 'map', count: 1, items: [bulk('name'), bulk('Ada')] })).toEqual(['1) "name" => "Ada"']);
    expect(redisReplyLines({ type: 'array', count: 25, items: [bulk('x')] })).toEqual(['1) "x"', '… 24 more (25 in all)']);
    expect(redisReplyLines({ type: 'array', count: 0, items: [] })).toEqual(['(empty array)']);
  });

  it('draws nothing for what is not a reply (a hostile file’s detail)', () => {
    expect(redisReplyLines(null)).toEqual([]);
    expect(redisReplyLines({ items: 3 })).toEqual([]);
    expect(redisReplyLines({ type: 'array', items: [{}, 7, bulk('ok')] })).toEqual(['1) "ok"']);
  });
});
