# Pipelining: send several requests in one write before reading anything, then read until the
# server closes (the last request says Connection: close). Prints the byte count it read.
# Usage: python3 pipeline.py PORT METHOD:TARGET ...   e.g. GET:/204 HEAD:/x GET:/pieces
import socket
import sys

port, requests = int(sys.argv[1]), sys.argv[2:]
burst = b''
for i, request in enumerate(requests):
    method, target = request.split(':', 1)
    last = b'Connection: close\r\n' if i == len(requests) - 1 else b''
    burst += f'{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n'.encode() + last + b'\r\n'
s = socket.create_connection(('127.0.0.1', port))
s.sendall(burst)
received = 0
while True:
    data = s.recv(65536)
    if not data:
        break
    received += len(data)
print(received)
