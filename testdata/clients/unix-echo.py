# A unix stream socket server and client. Usage: python3 unix-echo.py server PATH | client PATH
import os, socket, sys

mode, path = sys.argv[1], sys.argv[2]
if mode == 'server':
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    print('ready', flush=True)
    while True:
        conn, _ = s.accept()
        data = conn.recv(4096)
        conn.sendall(b'unix reply to ' + data)
        conn.close()
else:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.sendall(b'hello over unix')
    print(c.recv(4096).decode())
    c.close()
