/**
 * The escape language of the corpus files, used both to write input bytes and to print body
 * bytes and header values in expected output: \r \n \t \\ and \xHH; everything else printable
 * ASCII stands for itself.
 */

export function unescapeBytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      const code = text.charCodeAt(i);
      if (code > 0x7e || code < 0x20) throw new Error(`write byte ${code} as \\x.. in ${JSON.stringify(text)}`);
      out.push(code);
      continue;
    }
    const next = text[++i];
    switch (next) {
      case 'r':
        out.push(0x0d);
        break;
      case 'n':
        out.push(0x0a);
        break;
      case 't':
        out.push(0x09);
        break;
      case '\\':
        out.push(0x5c);
        break;
      case 'x': {
        const hex = text.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`bad \\x escape in ${JSON.stringify(text)}`);
        out.push(parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        throw new Error(`unknown escape \\${next} in ${JSON.stringify(text)}`);
    }
  }
  return out;
}

export function escapeByte(b: number): string {
  if (b === 0x0d) return '\\r';
  if (b === 0x0a) return '\\n';
  if (b === 0x09) return '\\t';
  if (b === 0x5c) return '\\\\';
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** A latin1 string (header value) in the escape language. */
export function escapeLatin1(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += escapeByte(text.charCodeAt(i));
  return out;
}
