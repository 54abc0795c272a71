// The data lines of a corpus case (format: redis/README.md), shared by the pcap-to-case converters.

/** The bytes as data lines: a line ends after each \n, long runs of one byte become repeats. */
export function dataLines(bytes) {
  const out = [];
  let line = '';
  const flush = () => {
    if (line === '') return;
    if (line.startsWith('#')) line = `\\x23${line.slice(1)}`;
    if (line.startsWith('> ')) line = `\\x3e${line.slice(1)}`;
    if (line.endsWith(' ')) line = `${line.slice(0, -1)}\\x20`;
    out.push(line);
    line = '';
  };
  for (let i = 0; i < bytes.length; ) {
    let run = 1;
    while (i + run < bytes.length && bytes[i + run] === bytes[i]) run++;
    if (run > 64) {
      flush();
      out.push(`> repeat ${run} ${bytes[i] === 0x20 ? "\\x20" : escape(bytes[i])}`);
      i += run;
      continue;
    }
    line += escape(bytes[i]);
    if (bytes[i] === 0x0a || line.length > 100) flush();
    i++;
  }
  flush();
  return out;
}

export function escape(b) {
  if (b === 0x0d) return '\\r';
  if (b === 0x0a) return '\\n';
  if (b === 0x09) return '\\t';
  if (b === 0x5c) return '\\\\';
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}
