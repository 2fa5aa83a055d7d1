"""Where webhooks may go.

One parser (``target_parse``) reads a webhook URL, strictly, into the scheme, host, port and
request path; registration checks that reading and delivery connects by it, so the check and
the connection can never disagree about the host. Anything another URL reader might take
differently is refused: backslashes, user-info, whitespace and control characters, ports out of
range, broken IPv6 literals, numeric host forms other than a dotted quad.

The host is resolved once (``target_resolve``); every address it resolves to must be public,
and delivery connects to one of those very addresses (see ``transport``), so a name that
answers differently a moment later (DNS rebinding) is never reached. ``is_global`` alone is not
enough (it trusts 6to4, Teredo, NAT64 and mapped forms, and some versions of Python pass
site-local and documentation ranges), so the ranges are spelled out here.
``PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE`` (tests, the demo) lets private addresses through; the
parser's rules always apply.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass

from django.conf import settings

from partnerhub.core.errors import InvalidTransition

MAX_URL_LENGTH = 512

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# RFC 3986 unreserved, sub-delims, ":", "/", "?", "@", "%", "[", "]"; "#" is refused on its own.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:/?@%\[\]#]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_DOTTED_QUAD = re.compile(r"\d{1,3}(\.\d{1,3}){3}")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A webhook URL as this module reads it, and as delivery uses it."""

    scheme: str
    host: str  # lower case; an IPv6 literal without its brackets
    port: int
    path: str  # what goes on the request line: path and query
    literal: IPAddress | None  # the host, when it is an address

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _invalid(message: str) -> InvalidTransition:
    return InvalidTransition(message, code="url_invalid")


def _parse_port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 5 or not 1 <= int(text) <= 65535:
        raise _invalid(f"the port {text!r} is not a number from 1 to 65535")
    return int(text)


def _parse_host(text: str) -> tuple[str, IPAddress | None]:
    if text.startswith("["):
        if not text.endswith("]") or "%" in text:
            raise _invalid("the IPv6 address in brackets is not valid")
        try:
            address = ipaddress.IPv6Address(text[1:-1])
        except ValueError:
            raise _invalid("the IPv6 address in brackets is not valid") from None
        return str(address), address
    host = text.lower()
    if not host:
        raise _invalid("the URL has no host")
    if "[" in host or "]" in host:
        raise _invalid("the IPv6 address in brackets is not valid")
    if _DOTTED_QUAD.fullmatch(host):
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            raise _invalid(f"{host} is not a valid IPv4 address") from None
        return str(address), address
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _invalid(f"{host!r} is not a valid host name")
    last = labels[-1]
    if last.isdigit() or last.startswith("0x"):
        # 127.1, 2130706433, 0x7f.0.0.1: addresses in forms that resolvers read differently.
        raise _invalid("write an IPv4 address as four decimal numbers, e.g. 192.0.2.10")
    return host, None


def target_parse(url: str, *, require_https: bool = False) -> Target:
    """Read ``url`` or raise ``InvalidTransition`` (code ``url_invalid``) saying why not."""
    allowed = ("https",) if require_https else ("http", "https")
    wanted = f"the URL must start with {' or '.join(a + '://' for a in allowed)} and a host"
    if not isinstance(url, str) or not url:
        raise _invalid(wanted)
    if len(url) > MAX_URL_LENGTH:
        raise _invalid(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if "\\" in url:
        raise _invalid("the URL contains a backslash")
    if not _URL_CHARS.fullmatch(url):
        raise _invalid(
            "the URL contains spaces, control characters or characters that must be "
            "percent-encoded (host names in their xn-- form)"
        )
    if _BAD_PERCENT.search(url):
        raise _invalid("a % in the URL must be followed by two hexadecimal digits")
    if "#" in url:
        raise _invalid("a webhook URL has no #fragment")
    scheme_match = _SCHEME.match(url)
    if scheme_match is None or scheme_match.group(1).lower() not in allowed:
        raise _invalid(wanted)
    rest = url[scheme_match.end() :]
    if not rest.startswith("//"):
        raise _invalid(wanted)
    rest = rest[2:]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if "@" in authority:
        raise _invalid("the URL must not contain a user name or password (user@host)")
    if authority.startswith("["):
        close = authority.find("]")
        host_text = authority[: close + 1] if close >= 0 else authority
        port_text = authority[close + 1 :] if close >= 0 else ""
        if port_text and not port_text.startswith(":"):
            raise _invalid("the IPv6 address in brackets is not valid")
        port_text = port_text[1:] if port_text else None
    else:
        host_text, colon, port_text = authority.partition(":")
        port_text = port_text if colon else None
    host, literal = _parse_host(host_text)
    if "[" in path or "]" in path:
        raise _invalid("brackets in the path must be percent-encoded")
    scheme = scheme_match.group(1).lower()
    port = _parse_port(port_text) if port_text is not None else (443 if scheme == "https" else 80)
    if path.startswith("?") or not path:
        path = "/" + path
    return Target(scheme=scheme, host=host, port=port, path=path, literal=literal)


# --- Addresses --------------------------------------------------------------------------------

_NOT_PUBLIC_V4 = [
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # this network
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT (100.100.100.200 is a cloud metadata service)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
]
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NOT_PUBLIC_V6 = [
    ipaddress.IPv6Network(n)
    for n in (
        "2001::/23",  # IETF protocol assignments (Teredo 2001::/32 is looked into first)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
]
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def address_is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address, looking through the IPv6 forms that
    carry an IPv4 address (mapped, NAT64, Teredo, 6to4) to the address they carry."""
    if isinstance(address, ipaddress.IPv4Address):
        return address.is_global and not any(address in n for n in _NOT_PUBLIC_V4)
    if address in _MAPPED:
        return address_is_public(address.ipv4_mapped)
    if address in _NAT64:
        return address_is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address in _TEREDO:
        server, client = address.teredo
        return address_is_public(server) and address_is_public(client)
    if address in _SIX_TO_FOUR:
        return address_is_public(address.sixtofour)
    # Outside 2000::/3 lie loopback, unspecified, IPv4-compatible, 64:ff9b:1::/48, discard,
    # unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10 and multicast ff00::/8.
    return (
        address in _GLOBAL_UNICAST_V6
        and address.is_global
        and not any(address in n for n in _NOT_PUBLIC_V6)
    )


def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses, from the system resolver. Tests put a stub in its place."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [info[4][0] for info in infos]


resolver = system_resolve


def target_resolve(target: Target, *, allow_private: bool = False) -> list[IPAddress]:
    """Resolve the host once and return the addresses to connect to, every one of them
    checked; raise ``InvalidTransition`` (``url_unresolvable``, ``url_private``) otherwise.
    ``allow_private``: a target the operator configured (not a partner), which may live on a
    private network."""
    if target.literal is not None:
        addresses = [target.literal]
    else:
        try:
            answers = resolver(target.host, target.port)
        except (OSError, UnicodeError):
            answers = []
        addresses = []
        for answer in answers:
            # An answer with a zone (fe80::1%eth0) is link-local: not public either way.
            try:
                address = ipaddress.ip_address(answer.split("%", 1)[0])
            except ValueError:
                continue
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise InvalidTransition(f"{target.host} does not resolve", code="url_unresolvable")
    if not (allow_private or settings.PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE):
        refused = [a for a in addresses if not address_is_public(a)]
        if refused:
            shown = target.host if target.literal is not None else f"{target.host} ({refused[0]})"
            raise InvalidTransition(
                f"{shown} is not a public address: private, loopback, link-local, shared or "
                "reserved addresses cannot receive webhooks",
                code="url_private",
            )
    return addresses


def check_target(url: str, *, require_https: bool = False) -> Target:
    """Raise ``InvalidTransition`` unless ``url`` may receive webhooks. With
    ``PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE`` on, the host is not looked up at registration."""
    target = target_parse(url, require_https=require_https)
    if not settings.PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE:
        target_resolve(target)
    return target
