// tinytap(1), made from the command definitions: valid roff that groff sets without a warning,
// every command and option in it, and text from the definitions never read as a request.
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';

import { programNode } from '../../src/cli/command-tree.js';
import { filterWords } from '../../src/cli/filter-words.js';
import { manPage } from '../../src/cli/man.js';
import { manPageOf } from '../../src/cli/manpage/page.js';
import { roffLines, roffText, synopsisText } from '../../src/cli/manpage/roff.js';
import { fullProgram } from '../../src/cli/main.js';
import { KNOWN_KEYS } from '../../src/query/keys.js';
import { missing } from '../helpers/completion-shells.js';
import { runCli } from '../helpers/run-cli.js';

/** groff's output as plain text (no overstriking), lines long enough that nothing wraps. */
function groff(roff: string, ...args: string[]) {
  return spawnSync('groff', ['-man', '-Tutf8', '-ww', '-rLL=300n', '-P-cbou', ...args], { input: roff, encoding: 'utf8' });
}

describe('roff', () => {
  it('escapes the backslash, the minus sign, requests and what is beyond ASCII', () => {
    expect(roffText('a\\b --json µs')).toBe('a\\eb \\-\\-json \\[u00B5]s');
    expect(roffLines(".SH x\n'br\nfine")).toBe("\\&.SH x\n\\&'br\nfine");
    expect(synopsisText('-n, --limit <n>')).toBe('\\fB\\-n\\fR, \\fB\\-\\-limit\\fR \\fIn\\fR');
    expect(synopsisText('ls [options] <file> [filter...]')).toBe('\\fBls\\fR [\\fIoptions\\fR] \\fIfile\\fR [\\fIfilter\\fR...]');
  });
});

describe.skipIf(missing('groff'))('tinytap man', () => {
  let roff = '';
  let text = '';
  beforeAll(async () => {
    const r = await runCli('man');
    expect(r.code, r.err).toBe(0);
    roff = r.out;
    const set = groff(roff);
    expect(set.stderr).toBe('');
    text = set.stdout;
  });

  it('is what manPage() gives packaging', async () => {
    expect(await manPage()).toBe(roff);
  });

  it('sets without a warning', () => {
    const r = groff(roff, '-z');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has the sections of a man page', () => {
    const sections = [...roff.matchAll(/^\.SH (.+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'FILTER KEYS', 'FILES', 'SEE ALSO']);
    expect(roff).toMatch(/^\.TH TINYTAP 1 /);
  });

  it('describes every command, every option of ls with its default, and every filter key', async () => {
    const program = programNode(await fullProgram());
    // <placeholders> are set in italics, without the angle brackets
    const asSet = (s: string) => s.replace(/[<>]/g, '');
    for (const c of program.commands) expect(text).toContain(asSet(`tinytap ${c.usage}`));
    const ls = program.commands.find((c) => c.name === 'ls')!;
    for (const o of ls.options) expect(text).toContain(asSet(o.flags));
    expect(text).toContain('(default: "time")');
    for (const k of KNOWN_KEYS) expect(text).toContain(`${k}:`);
  });

  it("describes each subcommand under its command: usage, description, options with their defaults", async () => {
    const program = programNode(await fullProgram());
    const service = program.commands.find((c) => c.name === 'service')!;
    const asSet = (s: string) => s.replace(/[<>]/g, '');
    for (const sub of service.subcommands) expect(text).toContain(`\n   service ${sub.name}\n       tinytap ${asSet(sub.usage)}\n`);
    const install = text.slice(text.indexOf('\n   service install\n'), text.indexOf('\n   service uninstall\n'));
    expect(install).toContain('write the systemd unit and start it');
    expect(install).toMatch(/^ +--rotate when\n +a new file after this long or at this size .*\(default: "15m"\)$/m);
    expect(install).toMatch(/^ +--unit-dir dir\n +where the unit file goes \(default: "\/etc\/systemd\/system"\)$/m);
    expect(text.indexOf('\n   service install\n')).toBeGreaterThan(text.indexOf('\n   service\n'));
  });

  it('sets text from the definitions as text', () => {
    const evil = ".SH NOT A SECTION \\fB '\\\" -- µ";
    const p = new Command().name('tinytap').description(evil).version('1');
    p.command('x').description(evil).option('--y <z>', evil, evil).addHelpText('after', `${evil}\n  ${evil}`);
    const r = groff(manPageOf(programNode(p), filterWords()));
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/^NOT A SECTION/m);
    expect(r.stdout.split(evil).length - 1).toBeGreaterThanOrEqual(4);
  });
});
