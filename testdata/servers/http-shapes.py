# An HTTP/1.1 server on a raw socket whose answers are fixed bytes, for checking what a
# dissector makes of the message shapes that are easy to get wrong:
#   HEAD any    headers with Content-Length: 1234, no body
#   GET /204    204 No Content: no body
#   GET /304    304 Not Modified with the Content-Length of the representation (99), no body
#   GET /pieces 10240 bytes written 700 at a time with TCP_NODELAY: a body over many segments
#   GET /chunked-gzip  gzip content in a chunked body, chunk edges inside the gzip stream
#   POST /continue     answers "Expect: 100-continue" with 100, then 200 "got N bytes"
#   GET /close  no Content-Length: the body ends when the server closes
#   GET /no-answer     closes the connection without answering
#   anything else: 404 with an empty body
# Each connection is served in a thread, its requests in order (pipelining works).
# Usage: python3 http-shapes.py PORT
import gzip
import socket
import sys
import threading
import time

PIECES = bytes(range(256)) * 40
TEXT = b'shapes of http bodies ' * 200


def read_request(f):
    line = f.readline()
    if not line:
        return None
    method, target, _ = line.decode('latin1').split(' ', 2)
    headers = {}
    while True:
        h = f.readline()
        if h in (b'\r\n', b'\n', b''):
            break
        name, value = h.decode('latin1').split(':', 1)
        headers[name.strip().lower()] = value.strip()
    return method, target, headers


def chunked(data, size):
    out = b''
    for i in range(0, len(data), size):
        piece = data[i : i + size]
        out += b'%x\r\n' % len(piece) + piece + b'\r\n'
    return out + b'0\r\n\r\n'


def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = conn.makefile('rb')
    while True:
        request = read_request(f)
        if request is None:
            break
        method, target, headers = request
        if method == 'HEAD':
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1234\r\n\r\n')
        elif target == '/204':
            conn.sendall(b'HTTP/1.1 204 No Content\r\nX-Shape: empty\r\n\r\n')
        elif target == '/304':
            conn.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 99\r\n\r\n')
        elif target == '/pieces':
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(PIECES))
            for i in range(0, len(PIECES), 700):
                conn.sendall(PIECES[i : i + 700])
                time.sleep(0.001)  # let each piece leave as its own segment
        elif target == '/chunked-gzip':
            body = chunked(gzip.compress(TEXT, mtime=0), 50)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n' + body)
        elif target == '/continue':
            if headers.get('expect', '').lower() == '100-continue':
                conn.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')
            body = f.read(int(headers.get('content-length', '0')))
            answer = b'got %d bytes\n' % len(body)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(answer) + answer)
        elif target == '/no-answer':
            break
        elif target == '/close':
            conn.sendall(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n' + TEXT)
            break
        else:
            conn.sendall(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
        if headers.get('connection', '').lower() == 'close':
            break
    conn.close()


server = socket.create_server(('127.0.0.1', int(sys.argv[1])), reuse_port=False)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
