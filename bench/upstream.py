"""A small fast upstream for the fetch benchmark: raw sockets, a thread per connection.

    python -m bench.upstream PORT [BIG_SIZE]

The fallback when nginx is missing (bench.common.Upstream). GET /small answers 1 KiB; GET /big
answers BIG_SIZE bytes, 1 GiB by default (Content-Length), written 1 MiB at a
time. Keep-alive, no parsing beyond the request line: it must not be the bottleneck.
"""
import socket
import sys
import threading

SMALL = b"x" * 1024
BLOCK = memoryview(b"y" * (1 << 20))


def _head(length):
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % length


def handle(conn, big_size):
    try:
        _serve_connection(conn, big_size)
    except OSError:
        pass  # the client went away (a proxy shutting down resets its pooled connections)


def _serve_connection(conn, big_size):
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            pending += data
            while b"\r\n\r\n" in pending:
                head, _, pending = pending.partition(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                if path.startswith(b"/big"):
                    conn.sendall(_head(big_size))
                    whole, rest = divmod(big_size, len(BLOCK))
                    for _ in range(whole):
                        conn.sendall(BLOCK)
                    conn.sendall(BLOCK[:rest])
                else:
                    conn.sendall(_head(len(SMALL)) + SMALL)


def serve(port, big_size=1 << 30):
    listener = socket.create_server(("127.0.0.1", port), backlog=512)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, big_size), daemon=True).start()


if __name__ == "__main__":
    serve(int(sys.argv[1]), *map(int, sys.argv[2:3]))
