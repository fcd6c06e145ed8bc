#!/usr/bin/env python3
"""Holds connections that each send part of a large request to a PowerWalk front, and prints the
front's RSS before, while held and after: the experiment behind README "Running it securely", Bounds.

    deploy/tools/hold-partial-requests.py --port 7400 --pid PID --connections 20 \
        --declared-mib 32 --sent-mib 31 --hold 10

Speaks nng's SP-over-TCP framing as a req0 peer: the 8-byte header, then an 8-byte big-endian length and
part of the message. Loopback only; every socket is closed at the end.
"""
import argparse
import socket
import struct
import time

SP_REQ0_HEADER = b"\x00SP\x00" + struct.pack(">H", 0x30) + b"\x00\x00"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def open_partial(port, declared, sent):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(SP_REQ0_HEADER)
    sock.recv(8)  # the server's rep0 header
    try:
        sock.sendall(struct.pack(">Q", declared))
        chunk = b"\x00" * (1 << 20)
        left = sent
        while left > 0:
            sock.sendall(chunk[: min(left, len(chunk))])
            left -= min(left, len(chunk))
    except OSError:
        pass  # the server closed it (over the size limit, or over the connection cap)
    return sock


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="the front's loopback TCP port")
    parser.add_argument("--pid", type=int, required=True, help="the front process (for its RSS)")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--declared-mib", type=float, default=32)
    parser.add_argument("--sent-mib", type=float, default=31)
    parser.add_argument("--hold", type=float, default=10, help="seconds to hold the connections")
    args = parser.parse_args()
    declared, sent = int(args.declared_mib * (1 << 20)), int(args.sent_mib * (1 << 20))
    print(f"RSS before: {rss_mb(args.pid):.1f} MB")
    sockets = [open_partial(args.port, declared, sent) for _ in range(args.connections)]
    time.sleep(min(args.hold, 2))
    print(f"RSS held:   {rss_mb(args.pid):.1f} MB ({args.connections} connections, {args.sent_mib} of {args.declared_mib} MiB)")
    time.sleep(max(0, args.hold - 2))
    for sock in sockets:
        sock.close()
    time.sleep(1)
    print(f"RSS after:  {rss_mb(args.pid):.1f} MB")


if __name__ == "__main__":
    main()
