// What completion reads from the command definitions: which places take a filter, a session,
// a file or a directory. The conventions it relies on are checked against the sources here.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { type CommandNode, programNode } from '../../../src/cli/command-tree.js';
import { fullProgram } from '../../../src/cli/main.js';
import { runCli } from '../../helpers/run-cli.js';

const program = programNode(await fullProgram());
const command = (name: string): CommandNode => program.commands.find((c) => c.name === name)!;
const valueOf = (cmd: string, option: string) => command(cmd).options.find((o) => o.long === option)?.value?.kind;

describe('the command tree', () => {
  it("the commands that take a filter are those that read one (filter-arg.ts's parseFilterArg)", () => {
    const cliDir = join(import.meta.dirname, '../../../src/cli');
    const readers = readdirSync(cliDir)
      .filter((f) => f.endsWith('.ts') && f !== 'filter-arg.ts')
      .map((f) => readFileSync(join(cliDir, f), 'utf8'))
      .filter((source) => source.includes('parseFilterArg('))
      .flatMap((source) => [...source.matchAll(/\.command\('([\w-]+)'\)/g)].map((m) => m[1]));
    const takers = program.commands.filter((c) => c.args.some((a) => a.kind === 'filter')).map((c) => c.name);
    expect(readers.length).toBeGreaterThan(0);
    expect(takers.sort()).toEqual(readers.sort());
  });

  it('a .tinytap session is a session wherever it is taken', () => {
    expect(command('ls').args.map((a) => a.kind)).toEqual(['session', 'filter']);
    expect(command('diff').args.map((a) => a.kind)).toEqual(['session', 'session', 'filter']);
    expect(command('search').args.map((a) => a.kind)).toEqual(['session', 'word', 'filter']);
    expect(command('replay').args[0].kind).toBe('session');
  });

  it('option values: files, directories, anything else', () => {
    expect(valueOf('export', '--output')).toBe('file');
    expect(valueOf('export', '--bruno')).toBe('dir');
    expect(valueOf('show', '--proto')).toBe('dir');
    expect(valueOf('record', '--ready-file')).toBe('file');
    expect(valueOf('ls', '--limit')).toBe('word');
    expect(valueOf('ls', '--json')).toBeUndefined();
  });

  it('help names the commands; record runs a program', () => {
    expect(command('help').args[0].choices).toEqual(program.commands.map((c) => c.name));
    expect(command('record').args[0].kind).toBe('program');
  });

  it("a command's subcommands, with their own options; other commands have none", () => {
    const service = command('service');
    expect(service.subcommands.map((c) => c.name)).toEqual(['install', 'uninstall', 'status', 'help']);
    const install = service.subcommands[0];
    expect(install.usage).toBe('service install [options]');
    expect(install.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--dir', '--rotate', '--keep', '--no-start', '--unit-dir']));
    expect(install.options.find((o) => o.long === '--dir')?.value?.kind).toBe('dir');
    expect(install.options.find((o) => o.long === '--unit-dir')?.value?.kind).toBe('dir');
    expect(install.subcommands).toEqual([]);
    // `service help` names service's subcommands, as `help` names the commands
    expect(service.subcommands[3].args[0].choices).toEqual(['install', 'uninstall', 'status', 'help']);
    expect(program.commands.filter((c) => c.subcommands.length).map((c) => c.name)).toEqual(['service']);
  });

  it('keeps the text --help adds after the options', () => {
    expect(command('diff').notes).toMatch(/^Exchanges are matched by method and route/);
  });
});

describe('tinytap completion', () => {
  it('prints the script for the shell named', async () => {
    const r = await runCli('completion', 'bash');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# bash completion for tinytap/);
    expect(r.out).toContain("complete -F _tinytap 'tinytap'");
  });

  it('names the shells it knows when given another', async () => {
    const r = await runCli('completion', 'tcsh');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/value 'tcsh' is invalid .*Allowed choices are bash, zsh, fish/);
  });
});
