"""One request at a time in the test server when the tests' database is SQLite in memory.

pytest-django hands the server's request threads the test's own in-memory SQLite connection, so
two requests at once (an htmx autosave still running when the form is submitted) share one
connection and release each other's savepoints ("no such savepoint"). A real deployment gives
each request its own connection; the tests get there by running the application under a lock.
Keep-alive connections still each have their thread: the lock covers one request, not a socket.
"""

import threading

from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread


class OneRequestAtATimeWSGIServer(ThreadedWSGIServer):
    def set_app(self, application):
        if not self.connections_override:
            super().set_app(application)
            return
        lock = threading.Lock()

        def serialized(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(serialized)


def serialize_requests_on_shared_connections() -> None:
    LiveServerThread.server_class = OneRequestAtATimeWSGIServer
