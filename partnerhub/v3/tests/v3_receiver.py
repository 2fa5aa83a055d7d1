"""A partner's receiver for V3 partner webhooks, written from the public partner-webhooks guide
(not from PartnerHub's code): an HTTPS endpoint that takes a POST whose JSON body is
``{"url", "api_key", "event_type"}``, answers 2xx, and later GETs ``url`` for the details.
It keeps the request's headers too, so a test can check the signature PartnerHub adds."""

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer

import trustme

HOST = "hooks.partner.test"


@dataclass
class Notification:
    path: str
    url: str
    api_key: str
    event_type: str
    headers: dict
    body: bytes


@dataclass
class V3Receiver:
    received: list[Notification] = field(default_factory=list)
    port: int = 0
    ca: trustme.CA = field(default_factory=trustme.CA)

    def hook(self, name: str) -> str:
        return f"https://{HOST}:{self.port}/hooks/{name}"

    def start(self) -> "V3Receiver":
        receiver = self
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(HOST).configure_cert(context)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                message = json.loads(body)
                receiver.received.append(
                    Notification(
                        path=self.path,
                        url=message["url"],
                        api_key=message["api_key"],
                        event_type=message["event_type"],
                        headers=dict(self.headers.items()),
                        body=body,
                    )
                )
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
