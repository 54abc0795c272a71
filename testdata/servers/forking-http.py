# An HTTP/1.1 server that accepts in the parent and serves each connection in a forked child
# (socketserver.ForkingMixIn), the shape of pre-fork-less Python and Perl servers: the socket
# a child reads and writes was accepted by another process.
# GET /?n=N answers N bytes (default 64) of a fixed pattern; POST reads the body and answers
# "received N bytes\n". Usage: python3 forking-http.py PORT
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ForkingMixIn
from urllib.parse import parse_qs, urlsplit


def pattern(n):
    # the same bytes as patternBody() in test/e2e/peers/forking-http.ts
    return bytes((i * 31 + 7) & 0xFF for i in range(n))


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, so one child may serve several requests

    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        self.answer(200, pattern(int(query.get('n', ['64'])[0])), 'application/octet-stream')

    def do_POST(self):
        length = int(self.headers.get('Content-Length', '0'))
        received = self.rfile.read(length)
        self.answer(200, b'received %d bytes\n' % len(received), 'text/plain')

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # quiet: the tests read the wire, not the log


class ForkingHTTPServer(ForkingMixIn, HTTPServer):
    pass


ForkingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
