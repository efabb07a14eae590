"""The references: bare WSGI apps with no framework at all."""


def hello(environ, start_response):
    body = b"Hello WWW, hey Booga"
    start_response("200 OK", [("Content-Type", "text/plain; charset=UTF-8"), ("Content-Length", "20")])
    return [body]
