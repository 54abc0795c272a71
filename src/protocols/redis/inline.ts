/**
 * Splitting an inline command (a request sent as a plain line: `SET a "b c"`) into arguments the
 * way Redis does (sdssplitargs in sds.c): words separated by spaces; "double quotes" with C-like
 * escapes (\n \r \t \b \a \" \\ \xHH); 'single quotes' with only \' escaped. A closing quote
 * must be followed by a space or the end of the line.
 */

const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 }; // n r t b a

/** The arguments, or undefined when the quotes are unbalanced (Redis answers a protocol error). */
export function splitInlineArgs(line: Uint8Array): Buffer[] | undefined {
  const args: Buffer[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isSpace(line[i])) i++;
    if (i >= line.length) return args;
    const arg: number[] = [];
    const quote = line[i] === 0x22 || line[i] === 0x27 ? line[i] : 0;
    if (quote) i++;
    for (;;) {
      if (i >= line.length) {
        if (quote) return undefined;
        break;
      }
      const b = line[i];
      if (!quote) {
        if (isSpace(b)) break;
        arg.push(b);
        i++;
      } else if (b === 0x5c && quote === 0x22 && i + 3 < line.length && line[i + 1] === 0x78 && isHex(line[i + 2]) && isHex(line[i + 3])) {
        arg.push(parseInt(String.fromCharCode(line[i + 2], line[i + 3]), 16));
        i += 4;
      } else if (b === 0x5c && i + 1 < line.length && (quote === 0x22 || line[i + 1] === 0x27)) {
        const c = line[i + 1];
        arg.push(quote === 0x22 ? (ESCAPES[c] ?? c) : c);
        i += 2;
      } else if (b === quote) {
        i++;
        if (i < line.length && !isSpace(line[i])) return undefined; // Redis: the quote must end the word
        break;
      } else {
        arg.push(b);
        i++;
      }
    }
    args.push(Buffer.from(arg));
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0b || b === 0x0c || b === 0x0d;
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}
