# A splice sender with a pipe enlarged to 1 MiB (F_SETPIPE_SZ), holding the whole body before it
# is spliced to a TCP socket: the kernel sends it in many sock_sendmsg calls of at most 16 page
# segments each, every one of which tinytap's body walk must read whole.
# Usage: python3 splice-big-pipe.py SIZE; prints the local port and the bytes the server got.
import fcntl, json, os, socket, sys, threading

size = int(sys.argv[1])
srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(1)
got = []


def reader():
    c, _ = srv.accept()
    n = 0
    while True:
        d = c.recv(1 << 20)
        if not d:
            break
        n += len(d)
    got.append(n)


t = threading.Thread(target=reader)
t.start()
s = socket.create_connection(srv.getsockname())
r, w = os.pipe()
fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ
data = bytes((i * 7) & 0xFF for i in range(size))
off = 0
while off < size:
    off += os.write(w, data[off:off + 65536])
left = size
while left:
    left -= os.splice(r, s.fileno(), left)
port = s.getsockname()[1]
s.close()
t.join()
print(json.dumps({'port': port, 'received': got[0]}))
