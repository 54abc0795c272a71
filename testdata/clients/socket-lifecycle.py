# Socket uses that stress tinytap's capture model, one per scenario; each prints one JSON line
# saying what it did, for the test to compare with the session. Usage:
#   python3 socket-lifecycle.py SCENARIO [ARGS]
# Scenarios:
#   stale-entry         a non-blocking sendfile to a full socket (EAGAIN), then a file-to-file
#                       sendfile on the same thread: the second must not be put on the socket
#   reuse-after-range   a socketpair, close_range() over it, a new socketpair on the same fds
#   exit-holding PORT   connect, send, and exit without closing the socket
#   mmsg PORT           sendmmsg of 40 UDP datagrams to PORT, then recvmmsg of 40 back
#   peek PORT           a request, then the response peeked (MSG_PEEK) before it is read
#   recv-flags PORT     MSG_WAITALL, MSG_TRUNC on a datagram and on a stream, MSG_ERRQUEUE
#   refused-later PORT  a non-blocking connect to a closed port, its failure seen by poll and
#                       SO_ERROR only (as Python's connect with a timeout does)
#   abandoned           a connect with a timeout to a listener whose accept queue is full: the
#                       SYN goes unanswered, the process gives up and closes the socket
#   handed-over PORT    accept a connection and pass its fd over a unix socket (SCM_RIGHTS) to a
#                       child process that answers it
import ctypes, ctypes.util, json, os, select, socket, sys, tempfile, time

scenario = sys.argv[1]


def out(**kw):
    # the pid: `python3` may be a wrapper (a pyenv shim) whose own processes use sockets too
    print(json.dumps(dict(kw, pid=os.getpid())), flush=True)


if scenario == 'stale-entry':
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(1)
    c = socket.socket()
    c.connect(srv.getsockname())
    peer, _ = srv.accept()  # never reads: the client's send buffer fills
    c.setblocking(False)
    try:
        while True:
            c.send(b'x' * 65536)
    except BlockingIOError:
        pass
    src = tempfile.TemporaryFile()
    src.write(b'y' * 100000)
    src.flush()
    try:
        os.sendfile(c.fileno(), src.fileno(), 0, 100000)
        again = False
    except BlockingIOError:
        again = True
    dst = tempfile.TemporaryFile()
    copied = os.sendfile(dst.fileno(), src.fileno(), 0, 77777)
    out(eagain=again, copied=copied, port=c.getsockname()[1])

elif scenario == 'reuse-after-range':
    a, b = socket.socketpair()
    a.sendall(b'first pair ' * 10)
    b.recv(4096)
    fds = [a.fileno(), b.fileno()]
    os.closerange(min(fds), max(fds) + 1)  # close_range(2): no close() per fd
    a.detach(), b.detach()
    c, d = socket.socketpair()
    c.sendall(b'second')
    d.recv(4096)
    out(first=fds, second=[c.fileno(), d.fileno()])

elif scenario == 'exit-holding':
    s = socket.create_connection(('127.0.0.1', int(sys.argv[2])))
    s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    s.recv(100)
    out(port=s.getsockname()[1])
    os._exit(0)  # the kernel closes the socket as the process exits, without a close()

elif scenario == 'mmsg':
    libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)

    class iovec(ctypes.Structure):
        _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]

    class msghdr(ctypes.Structure):
        _fields_ = [('name', ctypes.c_void_p), ('namelen', ctypes.c_uint32), ('iov', ctypes.POINTER(iovec)),
                    ('iovlen', ctypes.c_size_t), ('control', ctypes.c_void_p), ('controllen', ctypes.c_size_t),
                    ('flags', ctypes.c_int)]

    class mmsghdr(ctypes.Structure):
        _fields_ = [('hdr', msghdr), ('len', ctypes.c_uint)]

    n = 40
    port = int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(('127.0.0.1', port))
    bufs = [ctypes.create_string_buffer(b'datagram %02d' % i) for i in range(n)]
    iovs = (iovec * n)(*[iovec(ctypes.cast(b, ctypes.c_void_p), len(b.value)) for b in bufs])
    msgs = (mmsghdr * n)()
    for i in range(n):
        msgs[i].hdr.iov = ctypes.pointer(iovs[i])
        msgs[i].hdr.iovlen = 1
    sent = libc.sendmmsg(s.fileno(), msgs, n, 0)
    rbufs = [ctypes.create_string_buffer(64) for _ in range(n)]
    riovs = (iovec * n)(*[iovec(ctypes.cast(b, ctypes.c_void_p), 64) for b in rbufs])
    rmsgs = (mmsghdr * n)()
    for i in range(n):
        rmsgs[i].hdr.iov = ctypes.pointer(riovs[i])
        rmsgs[i].hdr.iovlen = 1
    got = 0
    deadline = time.time() + 5
    while got < n and time.time() < deadline:
        select.select([s], [], [], 1)
        r = libc.recvmmsg(s.fileno(), ctypes.byref(rmsgs, got * ctypes.sizeof(mmsghdr)), n - got, 0x40, None)  # MSG_DONTWAIT
        if r > 0:
            got += r
    out(sent=sent, received=got, port=s.getsockname()[1])

elif scenario == 'peek':
    s = socket.create_connection(('127.0.0.1', int(sys.argv[2])))
    s.sendall(b'GET /peek HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    select.select([s], [], [], 5)
    time.sleep(0.2)
    peeked = s.recv(4096, socket.MSG_PEEK)  # as wget does, to find the end of the head
    data = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    out(peeked=len(peeked), received=len(data), port=s.getsockname()[1])

elif scenario == 'recv-flags':
    port = int(sys.argv[2])
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(b'GET /flags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    head = s.recv(17, socket.MSG_WAITALL)                     # exactly 17 bytes, consumed
    skipped = s.recv(10, socket.MSG_TRUNC)                    # 10 bytes thrown away (stream)
    try:
        s.recvmsg(100, 100, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)  # nothing queued: EAGAIN
    except BlockingIOError:
        pass
    rest = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(('127.0.0.1', 0))
    u.sendto(b'z' * 300, u.getsockname())
    dgram = u.recv(100, socket.MSG_TRUNC)                      # 100 bytes copied of 300
    out(head=len(head), skipped=len(skipped), rest=len(rest), dgram=len(dgram), port=s.getsockname()[1], udp=u.getsockname()[1])

elif scenario == 'refused-later':
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(('127.0.0.1', int(sys.argv[2])))
        err = 0
    except BlockingIOError:
        select.select([], [s], [], 5)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    out(error=err)

elif scenario == 'abandoned':
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(0)  # never accepts: once its queue holds one connection, SYNs are dropped
    fillers = []
    for _ in range(3):
        f = socket.socket()
        f.setblocking(False)
        try:
            f.connect(srv.getsockname())
        except BlockingIOError:
            pass
        fillers.append(f)
    time.sleep(0.2)
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(srv.getsockname())
        timed_out = False
    except socket.timeout:
        timed_out = True
    port = s.getsockname()[1]
    s.close()
    out(timed_out=timed_out, port=port, server=srv.getsockname()[1])

elif scenario == 'handed-over':
    srv = socket.socket()
    srv.bind(('127.0.0.1', int(sys.argv[2])))
    srv.listen(1)
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    pid = os.fork()
    if pid == 0:
        srv.close()
        parent_end.close()
        msg, fds, _, _ = socket.recv_fds(child_end, 16, 1)
        conn = socket.socket(fileno=fds[0])
        req = conn.recv(65536)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhanded')
        conn.close()
        os._exit(0)
    out(ready=True, child=pid)
    conn, _ = srv.accept()
    socket.send_fds(parent_end, [b'fd'], [conn.fileno()])
    conn.close()  # the child answers on its copy
    os.waitpid(pid, 0)
    out(done=True)

else:
    sys.exit(f'unknown scenario {scenario}')
