# Two concurrent connections, then fd reuse: closes one and opens a third that gets its fd.
# Prints the reused fd. Usage: python3 fd-reuse.py PORT
import socket, sys

port = int(sys.argv[1])
def request(tag):
    return b'GET /?' + tag + b' HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'

a = socket.create_connection(('127.0.0.1', port))
b = socket.create_connection(('127.0.0.1', port))
a.sendall(request(b'first'))
b.sendall(request(b'second'))
a.recv(65536)
b.recv(65536)
reused = a.fileno()
a.close()
c = socket.create_connection(('127.0.0.1', port))
assert c.fileno() == reused, (c.fileno(), reused)
c.sendall(request(b'third'))
c.recv(65536)
c.close()
b.close()
print(reused)
