/**
 * The systemd unit `tinytap service install` writes: one always-on `tinytap record --dir` with the
 * user's directory, rotation, budget and filters. Pure: the text from a configuration, and the
 * configuration back from the text (status and uninstall read what install wrote).
 */
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ServiceConfig {
  /** The unit's name, without .service. */
  name: string;
  /** Node.js and tinytap's bin/tinytap.js, as absolute paths: the unit runs exactly these. */
  node: string;
  cli: string;
  dir: string;
  rotate: string;
  keep: string | null;
  ports: number[];
  comms: string[];
}

/** The first line of every unit tinytap writes: uninstall removes no file without it. */
export const UNIT_MARK = '# Written by `tinytap service install`; `tinytap service uninstall` removes it.';
const CONFIG_PREFIX = '# tinytap-config: ';

/**
 * A word of a systemd command line (systemd.syntax(7), systemd.service(5) "Command lines"): in
 * double quotes, with \\ and " escaped, % doubled (specifiers) and $ doubled (variables). A
 * control character cannot be written safely in a unit file line: refused.
 */
export function systemdWord(word: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(word)) throw new Error(`a control character cannot go into a systemd unit: ${JSON.stringify(word)}`);
  return `"${word.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** The `tinytap record` arguments the service runs with. */
export function recordArgs(c: ServiceConfig): string[] {
  return [
    'record',
    '--dir',
    c.dir,
    '--rotate',
    c.rotate,
    ...(c.keep ? ['--keep', c.keep] : []),
    ...c.ports.flatMap((p) => ['--port', String(p)]),
    ...c.comms.flatMap((n) => ['--comm', n]),
    '--quiet',
  ];
}

export function serviceUnit(c: ServiceConfig): string {
  const exec = [c.node, c.cli, ...recordArgs(c)].map(systemdWord).join(' ');
  return `${UNIT_MARK}
${CONFIG_PREFIX}${JSON.stringify(c)}
[Unit]
Description=tinytap: always-on recording of this machine's network traffic into ${c.dir.replace(/%/g, '%%')}
Documentation=${pathToFileURL(join(dirname(c.cli), '../dist/tinytap.1')).href.replace(/%/g, '%%')}
After=network.target

[Service]
Type=simple
ExecStart=${exec}
# Ctrl-C for the recorder: it closes the file it is writing and exits 0
KillSignal=SIGINT
TimeoutStopSec=60
Restart=on-failure
RestartSec=5
# eBPF needs root; the recorder's files are private to root (0600, in a 0700 directory)
UMask=0077
Nice=5

[Install]
WantedBy=multi-user.target
`;
}

function isConfig(v: unknown): v is ServiceConfig {
  const c = v as Partial<ServiceConfig> | null;
  const text = (x: unknown) => typeof x === 'string';
  return (
    typeof c === 'object' &&
    c !== null &&
    [c.name, c.node, c.cli, c.dir, c.rotate].every(text) &&
    (c.keep === null || text(c.keep)) &&
    Array.isArray(c.ports) &&
    c.ports.every((p) => Number.isInteger(p)) &&
    Array.isArray(c.comms) &&
    c.comms.every(text)
  );
}

/** What install wrote into a unit, or null for a file tinytap did not write (or one changed by hand). */
export function readServiceUnit(text: string): ServiceConfig | null {
  const lines = text.split('\n');
  if (lines[0] !== UNIT_MARK || !lines[1]?.startsWith(CONFIG_PREFIX)) return null;
  try {
    const config = JSON.parse(lines[1].slice(CONFIG_PREFIX.length)) as unknown;
    return isConfig(config) ? config : null;
  } catch {
    return null;
  }
}
