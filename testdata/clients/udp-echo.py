# A DNS-like exchange over UDP: an unconnected server answering with sendto, and a client that
# sends with sendto (no connect) and one that connects first.
# Usage: python3 udp-echo.py server PORT | python3 udp-echo.py client PORT
import socket, sys

mode, port = sys.argv[1], int(sys.argv[2])
if mode == 'server':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', port))
    print('ready', flush=True)
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(b'answer:' + data, peer)
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.sendto(b'query example.test A', ('127.0.0.1', port))
    print(c.recvfrom(2048)[0].decode())
    d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    d.connect(('127.0.0.1', port))
    d.send(b'query example.test AAAA')
    print(d.recv(2048).decode())
