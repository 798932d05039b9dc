"""Run moto's server on a free loopback port, writing the port to a file.

Why not plain `moto_server`: it needs a fixed port (we want a free one
without a bind race), and moto's DynamoDB is not atomic where real DynamoDB
is:

- moto applies a conditional write as "check, then update" in Python with
  no lock, so two concurrent requests can both pass the same condition.
  This server serializes DynamoDB requests (and only those) with one lock.
  SQS requests stay concurrent, so a long poll does not block other calls.
- moto applies an UpdateItem's actions to the stored item one by one, so an
  update that fails midway (an item that would pass the 400 KB limit) is
  left half applied; real DynamoDB writes nothing. UpdateItem is wrapped to
  put the item back as it was when the update raises.

And one for speed: moto compares every key through a generic conversion,
which made a Query of a 10,000-item index partition take seconds (it sorts
the whole partition); strings are compared directly (the same order).

usage: serve.py PORT_FILE
"""

import copy
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


def compare_strings_directly():
    """Compare two string DynamoTypes without moto's generic cast."""
    import operator

    from moto.dynamodb.models.dynamo_type import DynamoType

    def fast(op, generic):
        def compare(self, other):
            if self.type == "S" and getattr(other, "type", None) == "S":
                return op(self.value, other.value)
            return generic(self, other)

        return compare

    for name, op in (("__eq__", operator.eq), ("__lt__", operator.lt), ("__le__", operator.le),
                     ("__gt__", operator.gt), ("__ge__", operator.ge)):
        setattr(DynamoType, name, fast(op, getattr(DynamoType, name)))
    # Defining __eq__ drops the inherited __hash__; keep moto's.
    DynamoType.__hash__ = lambda self: hash((self.type, self.cast_value))


def make_updates_atomic():
    """Restore an item that a failing UpdateItem changed (or created)."""
    from moto.dynamodb.models import DynamoDBBackend

    update_item = DynamoDBBackend.update_item

    def atomic_update_item(self, table_name, key, *args, **kwargs):
        table = self.get_table(table_name)
        hash_value, range_value = self.get_keys_value(table, key)
        item = table.get_item(hash_value, range_value)
        saved = copy.deepcopy(item.attrs) if item is not None else None
        try:
            return update_item(self, table_name, key, *args, **kwargs)
        except Exception:
            if item is not None:
                item.attrs = saved
            elif table.get_item(hash_value, range_value) is not None:
                table.delete_item(hash_value, range_value)
            raise

    DynamoDBBackend.update_item = atomic_update_item


def main():
    port_file = sys.argv[1]
    app = DomainDispatcherApplication(create_backend_app)
    # JOBLINE_MOTO_UNSERIALIZED=1 serves moto as is (to show the race).
    if os.environ.get("JOBLINE_MOTO_UNSERIALIZED") != "1":
        app = SerializeDynamoDB(app)
        make_updates_atomic()
    compare_strings_directly()
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
