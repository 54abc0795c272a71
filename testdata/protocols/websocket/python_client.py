#!/usr/bin/env python3
# Python's `websockets` (Debian's python3-websockets) as the client of scenarios.mjs --server:
# its default permessage-deflate offer (client_max_window_bits), text, binary, a ping, a close.
# Logs what it received (s2c) to LOG as JSON lines, as scenarios.mjs does.
import asyncio, hashlib, json, sys
import websockets

port, log = int(sys.argv[1]), sys.argv[2]


def record(dir, type, data, **extra):
    data = data.encode() if isinstance(data, str) else data
    head = hashlib.sha256(data[: 64 * 1024]).hexdigest()[:16]
    with open(log, 'a') as f:
        f.write(json.dumps({'dir': dir, 'type': type, 'length': len(data), 'head': head, **extra}, separators=(',', ':')) + '\n')


async def main():
    async with websockets.connect(f'ws://127.0.0.1:{port}/py') as ws:
        for message in ['hello from python', b'\x00\x01\x02\xff' * 50, 'ünïcödé ✓', '{"seq":1,"data":"aaaaaaaaaaaaaaaaaaaa"}', '{"seq":2,"data":"aaaaaaaaaaaaaaaaaaaa"}']:
            await ws.send(message)
            reply = await ws.recv()
            record('s2c', 'binary' if isinstance(reply, bytes) else 'text', reply)
        pong = await ws.ping(b'py-ping')
        await pong  # resolves when the pong that echoes this payload came (RFC 6455 5.5.3)
        record('s2c', 'pong', b'py-ping')
        await ws.close(1000, 'bye')
    record('s2c', 'close', ws.close_reason.encode(), code=ws.close_code)


asyncio.run(main())
