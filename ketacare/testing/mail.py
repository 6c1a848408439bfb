"""Mail through a real SMTP server (aiosmtpd) on loopback, a hanging one, and free loopback ports."""

import socket
import threading

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        self.messages = []
        sink = self

        class Keep(Message):
            def handle_message(self, message):
                sink.messages.append(message)

        self.port = free_port()
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.fixture(name="free_port")
def free_port_fixture():
    """free_port() -> a loopback port nothing listens on (each xdist worker asks the OS for its own)."""
    return free_port


@pytest.fixture
def smtp_server(settings):
    """Route Django's mail through a real SMTP server; `.messages` holds what arrived."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.stop()


class HangingSmtpServer:
    """A TCP server on loopback that accepts connections and never says a word: an SMTP client waits
    for the greeting until its timeout. `.connections` counts who came."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed by stop()
                return
            self.connections += 1
            self.accepted.append(conn)  # kept open, never answered

    def stop(self):
        self.listener.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hanging_smtp_server(settings):
    """Point Django's mail at a server that accepts and never replies (EMAIL_TIMEOUT 5 s)."""
    server = HangingSmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
