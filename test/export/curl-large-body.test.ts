// A text body too long to be one command-line argument (Linux refuses any argument of 128 KiB
// or more: "Argument list too long") goes to curl through stdin, and arrives whole.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { curlCommand } from '../../src/export/curl.js';
import { CURL, NODE } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';
import { argText, runWithFakeCurl } from './fake-curl.js';
import { allExchanges, scripted } from './fixtures.js';

/** Run a script from a file, as `sh replay.sh` does (sh -c SCRIPT would make the script itself one long argument). */
function runFromFile(script: string) {
  const file = join(tempDir('tinytap-curl-large-'), 'replay.sh');
  writeFileSync(file, script);
  return runWithFakeCurl(`. '${file}'`);
}

function post(body: string): string {
  return `POST /bulk HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

describe('curl commands for long bodies', () => {
  it('sends a 200 KB text body through stdin, byte for byte; a 64 KiB one stays an argument', async () => {
    const long = `line one 'quoted' $(touch x)\n${'0123456789abcdef'.repeat(12_500)}\nlast line\n`;
    const short = 'k'.repeat(64 * 1024);
    const file = await scripted((s) => {
      const c = s.tcp(CURL, NODE, { serverPort: 3000 });
      for (const body of [long, short]) {
        c.send('c2s', post(body));
        c.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
      }
      c.close();
    });
    const [longEx, shortEx] = allExchanges(file);
    expect(longEx.request.body.captured).toHaveLength(long.length);

    const longCommand = curlCommand(longEx);
    // no line of the script is anywhere near an argument's limit
    expect(Math.max(...longCommand.split('\n').map((l) => l.length))).toBeLessThan(200);
    const [longRun] = runFromFile(longCommand);
    expect(argText(longRun)).toContain('--data-binary');
    expect(argText(longRun)[argText(longRun).indexOf('--data-binary') + 1]).toBe('@-');
    expect(longRun.stdin.toString('latin1')).toBe(long);

    const [shortRun] = runFromFile(curlCommand(shortEx));
    const args = argText(shortRun);
    expect(args[args.indexOf('--data-raw') + 1]).toBe(short);
    expect(shortRun.stdin).toHaveLength(0);
  });
});
