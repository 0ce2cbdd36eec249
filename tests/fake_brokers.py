"""Brokers that misbehave, for the tests of govcenter/queue.py: a socket server on
127.0.0.1 that accepts connections and then never answers (a hung Redis), or answers
PING and nothing else (a Redis that passes the probe and then hangs)."""

from __future__ import annotations

import socket
import threading


class FakeBroker:
    """``with FakeBroker(answer_ping=False) as broker: broker.url`` -> redis://127.0.0.1:<port>/0."""

    def __init__(self, *, answer_ping: bool = False):
        self.answer_ping = answer_ping
        self.connections = 0
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self._server.settimeout(0.1)
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._server.getsockname()[1]}/0"

    def __enter__(self) -> FakeBroker:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for conn in self._open:
            conn.close()
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            if self.answer_ping:
                thread = threading.Thread(target=self._pong, args=(conn,), daemon=True)
                thread.start()
                self._threads.append(thread)

    def _pong(self, conn: socket.socket) -> None:
        """Answer each PING with +PONG; say nothing to any other command."""
        conn.settimeout(0.1)
        pending = b""
        while not self._stop.is_set():
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            pending += data
            while b"PING\r\n" in pending:
                pending = pending.split(b"PING\r\n", 1)[1]
                try:
                    conn.sendall(b"+PONG\r\n")
                except OSError:
                    return
