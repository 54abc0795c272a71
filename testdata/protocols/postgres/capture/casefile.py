"""Writing corpus cases (testdata/http/README.md format): bytes as escaped data lines."""

LINE = 76


def escape_line_bytes(data: bytes) -> list[str]:
    lines, cur = [], ''
    for b in data:
        if b == 0x0d:
            piece = '\\r'
        elif b == 0x0a:
            piece = '\\n'
        elif b == 0x09:
            piece = '\\t'
        elif b == 0x5c:
            piece = '\\\\'
        elif 0x20 <= b < 0x7f:
            piece = chr(b)
        else:
            piece = '\\x%02x' % b
        if cur == '' and piece in ('#', '>'):
            piece = '\\x%02x' % b
        cur += piece
        if len(cur) >= LINE or b == 0x0a:
            lines.append(cur)
            cur = ''
    if cur:
        lines.append(cur)
    out = []
    for line in lines:
        if line.endswith(' '):
            line = line[:-1] + '\\x20'
        out.append(line)
    return out
