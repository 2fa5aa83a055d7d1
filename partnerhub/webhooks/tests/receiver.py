"""A partner's webhook receiver on 127.0.0.1, as a partner would write one: it verifies every
request with the ``standardwebhooks`` library and de-duplicates on ``webhook-id``."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    event_type: str
    data: dict
    signature: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    secret: str = ""
    requests: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # Answers to give, in order, as (status, headers); once used up it answers 200.
    answers: list[tuple[int, dict]] = field(default_factory=list)
    port: int = 0
    _server: HTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    @property
    def unique_ids(self) -> list[str]:
        """The webhook-ids received, each once, in the order they first came."""
        return list(dict.fromkeys(r.webhook_id for r in self.requests))

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = dict(self.headers.items())
                try:
                    Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError as exc:
                    receiver.rejected.append(str(exc))
                    self._answer(400, {})
                    return
                message = json.loads(body)
                receiver.requests.append(
                    Received(
                        webhook_id=self.headers["webhook-id"],
                        event_type=message["type"],
                        data=message["data"],
                        signature=self.headers["webhook-signature"],
                        headers=headers,
                        body=body,
                    )
                )
                status, extra = receiver.answers.pop(0) if receiver.answers else (200, {})
                self._answer(status, extra)

            def _answer(self, status: int, extra: dict):
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format, *args):
                pass

        self._server = HTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take the receiver down: its port refuses connections until ``start`` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None
