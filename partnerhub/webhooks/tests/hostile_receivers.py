"""Receivers on 127.0.0.1 that misbehave on purpose: one trickles its answer a byte at a time,
one answers with a body far larger than anyone needs, one redirects. Each records the request
line and headers it was sent."""

import contextlib
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

Behaviour = Callable[["HostileReceiver", socket.socket], None]


@dataclass
class HostileReceiver:
    behaviour: Behaviour
    requests: list[dict] = field(default_factory=list)
    bytes_sent: int = 0
    connected: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> "HostileReceiver":
        receiver = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                receiver.connected.set()
                receiver.requests.append(_read_request(self.request))
                # The client hanging up (OSError) is what these receivers expect.
                with contextlib.suppress(OSError):
                    receiver.behaviour(receiver, self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the receiver is stopped first; True if it was."""
        return self.stopping.wait(seconds)

    def send(self, sock: socket.socket, data: bytes) -> None:
        sock.sendall(data)
        self.bytes_sent += len(data)


def _read_request(sock: socket.socket) -> dict:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return {"request_line": lines[0], "headers": headers, "body": body}


def trickling_body(every: float) -> Behaviour:
    """Answers 200 at once, then its body one byte every ``every`` seconds, for ever."""

    def behave(receiver: HostileReceiver, sock: socket.socket) -> None:
        receiver.send(sock, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not receiver.wait(every):
            receiver.send(sock, b"k")

    return behave


def trickling_headers(every: float) -> Behaviour:
    """Sends its status line and headers one byte every ``every`` seconds, never finishing."""

    def behave(receiver: HostileReceiver, sock: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"s" * 100_000
        for byte in head:
            if receiver.wait(every):
                return
            receiver.send(sock, bytes([byte]))

    return behave


def huge_body(size: int) -> Behaviour:
    """Answers 200 with a body of ``size`` bytes, as fast as the client reads."""

    def behave(receiver: HostileReceiver, sock: socket.socket) -> None:
        receiver.send(sock, f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        block = (b"0123456789abcdef" * 4096)[: 64 * 1024]
        left = size
        while left > 0 and not receiver.stopping.is_set():
            piece = block[: min(left, len(block))]
            receiver.send(sock, piece)
            left -= len(piece)

    return behave


def redirecting(location: str, status: int = 307) -> Behaviour:
    def behave(receiver: HostileReceiver, sock: socket.socket) -> None:
        receiver.send(
            sock,
            f"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode(),
        )

    return behave


def answering(status: int, body: bytes) -> Behaviour:
    def behave(receiver: HostileReceiver, sock: socket.socket) -> None:
        receiver.send(
            sock,
            f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body,
        )

    return behave
