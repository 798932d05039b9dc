"""Run moto's server on a free loopback port, writing the port to a file.

Why not plain `moto_server`: it needs a fixed port (we want a free one
without a bind race), and moto applies a DynamoDB conditional write as
"check, then update" in Python with no lock, so two concurrent requests can
both pass the same condition. Real DynamoDB applies each conditional write
atomically per item; this server serializes DynamoDB requests (and only
those) with one lock to give the same guarantee. SQS requests stay
concurrent, so a long poll does not block other calls.

usage: serve.py PORT_FILE
"""

import os
import signal
import sys
import threading

from werkzeug.serving import make_server

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


class SerializeDynamoDB:
    """WSGI middleware: one DynamoDB request at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            # Consume the response inside the lock: the write happens while
            # the body is produced.
            return list(self.app(environ, start_response))


def main():
    port_file = sys.argv[1]
    app = DomainDispatcherApplication(create_backend_app)
    # JOBLINE_MOTO_UNSERIALIZED=1 serves moto as is (to show the race).
    if os.environ.get("JOBLINE_MOTO_UNSERIALIZED") != "1":
        app = SerializeDynamoDB(app)
    server = make_server(
        "127.0.0.1", 0, app, threaded=True,
        request_handler=MotoRequestHandler,
    )
    port = server.socket.getsockname()[1]
    os.environ["MOTO_PORT"] = str(port)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
