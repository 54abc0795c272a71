#!/usr/bin/python3
"""An HTTP/2 server that is reached by `Upgrade: h2c` (RFC 7540 §3.2), on hyper-h2 (Debian's
python3-h2): for test/e2e/http2.test.ts, since nginx and nghttpd do not upgrade. It answers the
upgraded request on stream 1 and any later request with the file of that path under ROOT.

    h2c_upgrade_server.py PORT ROOT
"""
import os
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.events


def body_for(root, path):
    full = os.path.realpath(os.path.join(root, path.lstrip('/')))
    if not full.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(full):
        return 404, b'not found\n'
    with open(full, 'rb') as f:
        return 200, f.read()


def respond(conn, sock, stream_id, root, path):
    status, body = body_for(root, path)
    conn.send_headers(stream_id, [(':status', str(status)), ('content-length', str(len(body))), ('content-type', 'application/octet-stream')])
    sent = 0
    while sent < len(body):
        # within the peer's window and frame size; the window is opened by WINDOW_UPDATE below
        room = min(conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size, len(body) - sent)
        if room <= 0:
            data = sock.recv(65536)
            if not data:
                return
            for event in conn.receive_data(data):
                pass
            sock.sendall(conn.data_to_send())
            continue
        conn.send_data(stream_id, body[sent:sent + room])
        sent += room
        sock.sendall(conn.data_to_send())
    conn.end_stream(stream_id)
    sock.sendall(conn.data_to_send())


def serve(sock, root):
    head = b''
    while b'\r\n\r\n' not in head:
        data = sock.recv(65536)
        if not data:
            return
        head += data
    raw, rest = head.split(b'\r\n\r\n', 1)
    lines = raw.decode('latin1').split('\r\n')
    path = lines[0].split(' ')[1]
    fields = dict(line.split(':', 1) for line in lines[1:])
    fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
    sock.sendall(b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n')
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
    conn.initiate_upgrade_connection(fields['http2-settings'])
    sock.sendall(conn.data_to_send())
    respond(conn, sock, 1, root, path)
    pending = rest
    while True:
        data = pending or sock.recv(65536)
        pending = b''
        if not data:
            return
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                respond(conn, sock, event.stream_id, root, dict(event.headers)[b':path'].decode())
            elif isinstance(event, h2.events.ConnectionTerminated):
                return
        sock.sendall(conn.data_to_send())


def main():
    port, root = int(sys.argv[1]), sys.argv[2]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', port))
    listener.listen(16)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=lambda s=sock: (serve(s, root), s.close()), daemon=True).start()


main()
