/** Small session files made for tests, through the real writer with a fake addon. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { batchOf, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import { fakeBinding } from './fake-binding.js';

export function tempDir(prefix = 'tinytap-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A finished session with one connection and a request/response on it. */
export async function makeSmallSession(path: string): Promise<void> {
  const binding = fakeBinding();
  const cap = new Capture(defaultCaptureOptions(path, { commitMs: 1_000_000 }), binding);
  cap.start();
  binding.last!.onBatch(
    batchOf([
      encodeProc({ pid: 7, comm: 'curl', argv: ['curl', 'http://127.0.0.1:8080/'] }),
      encodeConn({ pid: 7, comm: 'curl', connId: 1 }),
      encodeData({ pid: 7, comm: 'curl', connId: 1, ret: 18, data: 'GET / HTTP/1.1\r\n\r\n' }),
    ]),
  );
  await cap.stop('signal');
}
