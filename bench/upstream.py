"""A small fast upstream for the fetch benchmark: raw sockets, a thread per connection.

    python -m bench.upstream PORT

GET /small answers 1 KiB; GET /big answers 1 GiB (Content-Length), written 1 MiB at a
time. Keep-alive, no parsing beyond the request line: it must not be the bottleneck.
"""
import socket
import sys
import threading

SMALL = b"x" * 1024
BIG_SIZE = 1 << 30
BLOCK = memoryview(b"y" * (1 << 20))


def _head(length):
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % length


def handle(conn):
    try:
        _serve_connection(conn)
    except OSError:
        pass  # the client went away (a proxy shutting down resets its pooled connections)


def _serve_connection(conn):
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
                    conn.sendall(_head(BIG_SIZE))
                    for _ in range(BIG_SIZE // len(BLOCK)):
                        conn.sendall(BLOCK)
                else:
                    conn.sendall(_head(len(SMALL)) + SMALL)


def serve(port):
    listener = socket.create_server(("127.0.0.1", port), backlog=512)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
