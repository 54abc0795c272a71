// `node bench/cli-usage.mjs ARGS...`: tinytap's own main() with ARGS, then this process's peak
// resident memory and CPU time (its worker threads' included) as JSON on fd 3. A file rather
// than `node -e`: worker threads inherit the parent's execArgv, and a build worker started
// under `--input-type` fails to load.
import { writeSync } from 'node:fs';

import { main } from '../dist/cli/main.js';

const status = await main(['node', 'tinytap', ...process.argv.slice(2)]);
const u = process.resourceUsage();
writeSync(3, JSON.stringify({ maxRssKiB: u.maxRSS, cpuMicros: u.userCPUTime + u.systemCPUTime }));
process.exit(status);
