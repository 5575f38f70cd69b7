#!/usr/bin/python3
"""peer6.py ADDR%IF PORT: the Linux peer of socktest's remote6 checks, a
TCP and a UDP echo server on [ADDR%IF]:PORT (PORT+1 left closed, so the
kernel refuses it: a RST, an ICMPv6 port unreachable). Prints "ready"
once both listen; runs until killed."""
import socket
import socketserver
import sys
import threading


class TcpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        while (d := self.request.recv(65536)):
            self.request.sendall(d)


class UdpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data, self.client_address)


class Tcp6(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True


class Udp6(socketserver.UDPServer):
    address_family = socket.AF_INET6


addr, port = sys.argv[1], int(sys.argv[2])
sa = socket.getaddrinfo(addr, port, socket.AF_INET6)[0][4]
tcp, udp = Tcp6(sa, TcpEcho), Udp6(sa, UdpEcho)
threading.Thread(target=udp.serve_forever, daemon=True).start()
print("ready", flush=True)
tcp.serve_forever()
