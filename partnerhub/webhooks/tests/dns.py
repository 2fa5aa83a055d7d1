"""A resolver to put in the place of the system's: names answer what a test says, and every
lookup is counted."""

import socket
from dataclasses import dataclass, field


@dataclass
class FakeDNS:
    answers: dict[str, list[str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.answers[host])
