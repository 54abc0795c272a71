/**
 * testdata/servers/http-shapes.py: fixed-byte answers in the shapes a dissector most easily gets
 * wrong (no-body statuses, HEAD, 100 Continue, chunked gzip, a body over many segments, a body
 * that ends at close), and the bodies it sends, to check a reference against.
 */
import { join } from 'node:path';

import { type Server, TESTDATA, freePort, startServer } from '../harness.js';
import { requireProgram, stopAtEnd } from '../programs.js';

/** What the server's routes send (the same bytes as PIECES and TEXT in http-shapes.py). */
export const SHAPES = {
  /** /pieces: 0..255 forty times, written 700 bytes at a time. */
  pieces: Buffer.from(Array.from({ length: 256 * 40 }, (_, i) => i & 0xff)),
  /** /chunked-gzip (decoded) and /close. */
  text: Buffer.from('shapes of http bodies '.repeat(200)),
  /** HEAD's Content-Length, and 304's. */
  headLength: 1234,
  notModifiedLength: 99,
};

export async function startHttpShapes(): Promise<Server> {
  const port = await freePort();
  const server = await startServer(requireProgram('python3'), [join(TESTDATA, 'servers/http-shapes.py'), String(port)], port);
  return { ...server, stop: stopAtEnd(server.stop) };
}
