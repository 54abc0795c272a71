# A local process that tries to put escape sequences on the terminal of whoever records it: it
# names itself with them (prctl PR_SET_NAME: the 15 bytes of comm), binds and connects a unix
# socket whose path holds them, connects over TCP, and fails a connect. Its command line holds
# them too (the test passes them as arguments).
# Usage: python3 hostile-names.py DIR TCP_PORT CLOSED_PORT [hostile args...]; it waits for a
# line on stdin before it starts, prints "done" at the end.
import ctypes, os, socket, sys

directory, tcp_port, closed_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.stdin.readline()

PR_SET_NAME = 15
# OSC 0 (window title), CSI 2J (clear), and a C1 CSI: 15 bytes at most, the kernel cuts the rest
name = b'\x1b]0;pwn\x07\x1b[2J\x9b2J'
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0) != 0:
    sys.exit('prctl failed: %d' % ctypes.get_errno())

# OSC 52 sets the clipboard of a terminal that honours it
path = os.path.join(directory.encode(), b's\x1b]52;c;aGFja2Vk\x07\x9d0;t\x9c')
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.connect(path)
conn, _ = server.accept()
client.sendall(b'hello \x1b]52;c;aGk=\x07')
conn.recv(100)
for s in (conn, client, server):
    s.close()
os.unlink(path)

tcp = socket.create_connection(('127.0.0.1', tcp_port))
tcp.sendall(b'GET /hostile HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Evil: \x1b]52;c;aGk=\x07\r\nConnection: close\r\n\r\n')
while tcp.recv(4096):
    pass
tcp.close()

try:
    socket.create_connection(('127.0.0.1', closed_port), timeout=2).close()
except OSError:
    pass
print('done', flush=True)
