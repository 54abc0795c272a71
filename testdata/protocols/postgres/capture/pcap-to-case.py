#!/usr/bin/env python3
"""Turns a loopback capture of PostgreSQL traffic into corpus cases (testdata/http/README.md format).

Usage: pcap-to-case.py CAPTURE.pcap SERVER_PORT OUT_PREFIX "what the case exercises"

One case per TCP connection: OUT_PREFIX.pg, or OUT_PREFIX-N.pg when the capture holds several.
Each TCP payload becomes a segment (ts = microseconds since the capture's first packet); a FIN
becomes an end line. Needs tshark.
"""
import subprocess
import sys

from casefile import escape_line_bytes

def main() -> None:
    pcap, port, prefix, title = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    fields = ['frame.time_relative', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.flags.fin', 'tcp.payload']
    cmd = ['tshark', '-r', pcap, '-o', 'tcp.desegment_tcp_streams:FALSE', '-T', 'fields']
    for f in fields:
        cmd += ['-e', f]
    rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    streams: dict[str, list[str]] = {}
    for row in rows:
        t, stream, src, dst, fin, payload = (row.split('\t') + [''] * 6)[:6]
        if int(dst) != port and int(src) != port:
            continue
        direction = 'c2s' if int(dst) == port else 's2c'
        ts = round(float(t) * 1_000_000)
        out = streams.setdefault(stream, [])
        if payload:
            out.append(f'> {direction} {ts}')
            out.extend(escape_line_bytes(bytes.fromhex(payload.replace(':', ''))))
        if fin in ('1', 'True'):
            out.append(f'> end {direction} {ts}')
    keys = sorted(streams, key=int)
    for n, key in enumerate(keys):
        name = f'{prefix}.pg' if len(keys) == 1 else f'{prefix}-{n + 1}.pg'
        with open(name, 'w') as f:
            f.write(f'# {title}' + ('' if len(keys) == 1 else f' (connection {n + 1} of {len(keys)})') + '\n')
            f.write(f'# captured from PostgreSQL 15 on loopback by capture/run-captures.sh\n\n')
            f.write('\n'.join(streams[key]) + '\n\n=== expect\n')
        print(name)


main()
