"""One HTTP request (a POST to a webhook receiver, or a call another part of PartnerHub forwards
to a configured service), on our terms.

- It connects to an address that ``safety.target_resolve`` checked, never looking the host up
  again, and sends the original host name in ``Host`` and as the TLS server name, whose
  certificate must be valid for it.
- The whole exchange (connect, TLS, request, answer) has one wall-clock deadline: a watchdog
  shuts the socket when it passes, however slowly the receiver trickles bytes.
- At most ``max_body`` bytes of the answer are read; the rest is never downloaded.
- Redirects are not followed (``http.client`` never does), and nothing is decompressed.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

import certifi

from partnerhub.webhooks.safety import IPAddress, Target

CHUNK = 16 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None
    body: bytes  # at most ``max_body`` bytes
    truncated: bool  # the receiver had more to say than was read
    content_type: str = ""


class DeliveryError(Exception):
    """The exchange failed; ``status`` is set when the receiver had answered before it did."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


def tls_context() -> ssl.SSLContext:
    """Certificates are verified against the host name in the URL. Tests trust their own CA."""
    return ssl.create_default_context(cafile=certifi.where())


class _Watchdog:
    """Shuts the socket down when the deadline passes, ending any read or write in progress."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> "_Watchdog":
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            self.expired = True
            raise TimeoutError
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                self._shut(self._sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # The plain socket's shutdown, also for a TLS socket: it ends a blocked read at once
        # without touching the TLS state another thread is using.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _connect(addresses: list[IPAddress], port: int, watchdog: _Watchdog) -> socket.socket:
    last: OSError | None = None
    for n, address in enumerate(addresses, start=1):
        # An address that does not answer leaves time for the next ones.
        wait = watchdog.remaining() if n == len(addresses) else min(watchdog.remaining(), 5.0)
        try:
            return socket.create_connection((str(address), port), timeout=wait)
        except TimeoutError as exc:
            if n == len(addresses) or watchdog.expired:
                raise
            last = exc
        except OSError as exc:
            last = exc
    raise last or OSError("no address to connect to")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate refused: {exc.verify_message or exc.reason}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "could not connect: connection refused"
    if isinstance(exc, http.client.HTTPException):
        return f"the answer is not valid HTTP ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return f"connection failed: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def post(
    target: Target,
    addresses: list[IPAddress],
    *,
    body: bytes | None,
    headers: dict[str, str],
    deadline: float,
    max_body: int,
    method: str = "POST",
) -> Answer:
    """Send ``method`` (POST unless told) with ``body`` to ``target`` at the first of
    ``addresses`` that accepts a connection. Raises ``DeliveryError`` when there is no complete
    answer within ``deadline`` seconds."""
    status = None
    sock = None
    with _Watchdog(deadline) as watchdog:
        try:
            sock = _connect(addresses, target.port, watchdog)
            watchdog.watch(sock)
            sock.settimeout(watchdog.remaining())
            if target.scheme == "https":
                sock = tls_context().wrap_socket(
                    sock, server_hostname=target.host, do_handshake_on_connect=False
                )
                watchdog.watch(sock)
                sock.do_handshake()
            connection = http.client.HTTPConnection(target.host, target.port)
            connection.sock = sock
            connection.request(
                method, target.path, body=body, headers={**headers, "Host": target.host_header}
            )
            response = connection.getresponse()
            status = response.status
            received = bytearray()
            while len(received) <= max_body:
                chunk = response.read(min(CHUNK, max_body + 1 - len(received)))
                if not chunk:
                    break
                received += chunk
            if watchdog.expired:  # the read ended because the watchdog shut the socket
                raise TimeoutError
            truncated = len(received) > max_body
            return Answer(
                status=status,
                retry_after=response.getheader("Retry-After"),
                content_type=response.getheader("Content-Type") or "",
                body=bytes(received[:max_body]),
                truncated=truncated,
            )
        except (OSError, http.client.HTTPException) as exc:
            if watchdog.expired or isinstance(exc, TimeoutError):
                raise DeliveryError(
                    f"no complete answer within {deadline:g} s", status=status
                ) from None
            raise DeliveryError(_describe(exc)[:300], status=status) from None
        finally:
            if sock is not None:
                sock.close()
