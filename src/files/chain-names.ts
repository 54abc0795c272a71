/**
 * The names of session files `record` gives (`tinytap-YYYYMMDD-HHMMSS.tinytap`), which order the
 * files of a `record --dir` chain: one definition for the recorder that names them and the
 * readers that find them.
 */

/** `tinytap-YYYYMMDD-HHMMSS.tinytap`, in local time: the name `record` gives a file by default. */
export function sessionFileName(now = new Date(), suffix = ''): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `tinytap-${date}-${time}${suffix}.tinytap`;
}

/** The files of a chain sort by name in the order they were written (a second's files by -N). */
const CHAIN_FILE = /^tinytap-(\d{8})-(\d{6})(?:-(\d+))?\.tinytap$/;

export function isChainFileName(name: string): boolean {
  return CHAIN_FILE.test(name);
}

/** Oldest first: by the time in the name, then the number after it (none is first). */
export function compareChainNames(a: string, b: string): number {
  const ma = CHAIN_FILE.exec(a)!;
  const mb = CHAIN_FILE.exec(b)!;
  const key = (m: RegExpExecArray) => `${m[1]}${m[2]}${(m[3] ?? '0').padStart(6, '0')}`;
  return key(ma) < key(mb) ? -1 : key(ma) > key(mb) ? 1 : 0;
}

/** A name in `dir` for a file started `now` that no file there has (-2, -3... within one second). */
export function nextChainName(now: Date, taken: (name: string) => boolean): string {
  let name = sessionFileName(now);
  for (let n = 2; taken(name); n++) name = sessionFileName(now, `-${n}`);
  return name;
}
