// Shared pieces of the benchmarks: real servers, timing, process CPU and memory from /proc.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { nginxConf } from '../testdata/servers/nginx-conf.mjs';

const execFileAsync = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CLI = join(ROOT, 'bin/tinytap.js');

/** Run the CLI in a fresh node process; its exit code, stderr, wall time, CPU time and peak RSS (workers included). */
export function runCliMeasured(args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const p = spawn(process.execPath, [join(ROOT, 'bench/cli-usage.mjs'), ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let usage = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdio[3].on('data', (d) => (usage += d));
    p.on('error', reject);
    p.on('close', (status) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const u = usage ? JSON.parse(usage) : { maxRssKiB: 0, cpuMicros: 0 };
      resolve({ status, stderr, seconds, cpuSeconds: u.cpuMicros / 1e6, peakRssBytes: u.maxRssKiB * 1024 });
    });
  });
}

export function tempDir(prefix = 'tinytap-bench-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, host = '127.0.0.1') {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, host, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** nginx with one worker; `server` is the body of its server block. */
export async function startNginx(serverBlock, { listen = '' } = {}) {
  const port = await freePort();
  const prefix = tempDir('tinytap-bench-nginx-');
  writeFileSync(join(prefix, 'nginx.conf'), nginxConf({ prefix, port, server: serverBlock, listen }));
  const proc = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, prefix, stop: () => new Promise((r) => (proc.once('exit', r), proc.kill('SIGTERM'))) };
}

/** A self-signed P-256 certificate for 127.0.0.1: { certFile, keyFile }. */
export function makeCertificate() {
  const dir = tempDir('tinytap-bench-cert-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  return { certFile, keyFile };
}

/** wrk's requests/s, request count and the seconds it ran. */
export function wrk(url, { threads = 1, connections = 16, seconds = 8, paths = null } = {}) {
  const script = paths ? roundRobinScript(paths) : null;
  const out = execFileSync('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, ...(script ? ['-s', script] : []), url], {
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const [, requests, took, unit] = /(\d+) requests in ([\d.]+)(ms|s)/.exec(out);
  return { rps, requests: Number(requests), seconds: Number(took) / (unit === 'ms' ? 1000 : 1), raw: out };
}

/** A wrk script that requests `paths` in turn (wrk alone repeats one URL). */
function roundRobinScript(paths) {
  const file = join(tempDir('tinytap-bench-wrk-'), 'paths.lua');
  // long brackets: a path is taken as it is, no escapes to get wrong
  const list = paths.map((p) => `[==[${p}]==]`).join(',\n');
  writeFileSync(file, `local paths = {\n${list}\n}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n`);
  return file;
}

/**
 * h2load (nghttp2's load generator; `h1` speaks HTTP/1.1 instead): requests/s, the requests that
 * succeeded, and the seconds it took. Asynchronous, so that a relay in this process
 * (relay-capture.mjs) can carry its traffic. Several `urls` are requested round robin.
 */
export async function h2load(urls, { requests, clients = 1, streams = 1, h1 = false, rps = null }) {
  const args = ['-n', String(requests), '-c', String(clients), '-m', String(streams), ...(h1 ? ['--h1'] : []), ...(rps ? [`--rps=${rps}`] : []), ...[urls].flat()];
  const { stdout } = await execFileAsync('h2load', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const finished = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/.exec(stdout);
  const done = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(stdout);
  if (!finished || !done) throw new Error(`h2load ${args.join(' ')}: unexpected output\n${stdout}`);
  if (Number(done[2]) > 0) throw new Error(`h2load ${args.join(' ')}: ${done[2]} requests failed\n${stdout}`);
  const seconds = Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1);
  return { rps: Number(finished[3]), requests: Number(done[1]), seconds, raw: stdout };
}

const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU seconds (user + system) a process and its threads have used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** A memory figure of /proc/PID/status in bytes (VmHWM: the peak, VmRSS: now). */
function statusBytes(pid, key) {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Bytes as MiB for a table: `12.3 MiB`. */
export const mib = (bytes, digits = 1) => `${fmt(bytes / 2 ** 20, digits)} MiB`;

/** Peak resident memory in bytes (VmHWM). */
export const peakRss = (pid) => statusBytes(pid, 'VmHWM');

/** Resident memory now, in bytes (VmRSS). */
export const rssNow = (pid) => statusBytes(pid, 'VmRSS');

/** A deterministic pseudo-random generator (mulberry32): the same traffic every run. */
export function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Start a long-running command; resolves once `ready(stderr)` holds. */
export function startProc(cmd, args, ready = () => true) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const started = new Promise((resolve, reject) => {
    const check = () => ready(stderr) && resolve();
    proc.stderr.on('data', check);
    check();
    exited.then(() => reject(new Error(`${cmd} exited: ${stderr}`)));
  });
  started.catch(() => {});
  return { proc, started, exited, get stderr() { return stderr; }, get stdout() { return stdout; } };
}
