# writev(2) with iovec arrays of different shapes on one loopback TCP connection, to a server
# in this same process that reads everything. Prints the shapes as JSON: for each writev, its
# segments' lengths and fill byte, in order. Usage: python3 writev-shapes.py
import json, os, socket, threading

SHAPES = [
    [5, 7, 11],              # a few small segments: one record for all of them
    [40, 0, 23],             # an empty segment in the middle
    [3] * 10,                # more segments than the one-record path takes
    [300, 300],              # more bytes than the one-record path takes
    [1] * 70,                # more segments than the walk follows (64)
    [200, 200, 200, 200],    # cut by --max-payload 700 in the e2e test
]

srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(1)
received = []
def serve():
    conn, _ = srv.accept()
    while True:
        b = conn.recv(65536)
        if not b:
            break
        received.append(b)
    conn.close()
t = threading.Thread(target=serve)
t.start()

c = socket.create_connection(srv.getsockname())
out = []
for i, shape in enumerate(SHAPES):
    segs = [bytes([0x41 + (i * 7 + j) % 26]) * n for j, n in enumerate(shape)]
    sent = os.writev(c.fileno(), segs)
    assert sent == sum(shape), (sent, shape)
    out.append(shape)
c.close()
t.join()
srv.close()
print(json.dumps(out))
