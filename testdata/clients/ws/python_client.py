"""A WebSocket client from Python's `websockets` package (Debian's python3-websockets), for the
capture tests: it says on stdout, one JSON line per message, what it sent and what it got.

    /usr/bin/python3 python_client.py URL

Against peer.mjs's server (which echoes) it sends three texts and a binary message, pings once,
asks for the server's pushes and closes with 4001 "python done". permessage-deflate is
negotiated by default, with context takeover both ways.
"""
import asyncio
import json
import sys

import websockets


def say(**o):
    print(json.dumps(o), flush=True)


async def main(url):
    async with websockets.connect(url, max_size=None) as ws:
        texts = ['{"from":"python","n":1}', "ünïcödé text ✓", "x" * 5000]
        for t in texts:
            say(dir="sent", type="text", text=t)
            await ws.send(t)
        data = bytes(range(256))
        say(dir="sent", type="binary", hex=data.hex())
        await ws.send(data)
        say(dir="sent", type="ping", hex=b"py-ping".hex())
        pong = await ws.ping(b"py-ping")
        say(dir="sent", type="text", text="push")
        await ws.send("push")
        for _ in range(len(texts) + 1 + 3):
            m = await ws.recv()
            if isinstance(m, bytes):
                say(dir="received", type="binary", hex=m.hex())
            else:
                say(dir="received", type="text", text=m)
        await pong
        await ws.close(code=4001, reason="python done")
        say(dir="closed", code=ws.close_code, reason=ws.close_reason)


asyncio.run(main(sys.argv[1]))
