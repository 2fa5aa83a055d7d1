"""Webhook targets an attacker or a careless user tries, shared by the tests of every surface
that accepts a URL (native API create and change, the portal form, V3 subscriptions).

Each is written with ``http://``; ``as_https`` gives the form the V3 surface (https only)
would be sent. ``fake_dns`` (in the root conftest) answers for the ``.partner.test`` names.
"""

# Refused by the parser, whatever PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE says: code url_invalid.
MALFORMED = [
    "http://127.0.0.1:9301\\@8.8.8.8/hook",  # the check read 8.8.8.8, the client 127.0.0.1
    "http://8.8.8.8\\.127.0.0.1/hook",
    "http://user@8.8.8.8/hook",
    "http://user:pass@8.8.8.8/hook",
    "http://:pass@8.8.8.8/hook",
    "http://127.0.0.1:9301@8.8.8.8/hook",
    "http://8.8.8.8:99999/hook",
    "http://8.8.8.8:abc/hook",
    "http://8.8.8.8:0/hook",
    "http://8.8.8.8:/hook",
    "http://8.8.8.8:+80/hook",
    "http://[::1/hook",
    "http://[zz::1]/hook",
    "http://[::1]x/hook",
    "http://[fe80::1%25eth0]/hook",
    "http://::1/hook",
    "http://8.8.8.8/ho ok",
    "http://8.8.8.8/hook\r\nX-Injected: 1",
    "http://8.8.8.8\t/hook",
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f.0.0.1/hook",
    "http://0177.0.0.1/hook",
    "http://8.8.8.8/hook#fragment",
    "http://hooks.partner.test./hook",
    "http://-bad-.partner.test/hook",
    "http://hooks.partner.test/%zz",
    "http:/8.8.8.8/hook",
    "ftp://8.8.8.8/hook",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http:///no-host",
    "8.8.8.8/hook",
]

# Refused for the address they reach unless PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE: url_private.
NOT_PUBLIC = [
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://100.100.100.200/latest/meta-data",  # a cloud metadata service, in 100.64.0.0/10
    "http://169.254.169.254/latest/meta-data",
    "http://127.0.0.1:9301/hook",
    "http://10.1.2.3/hook",
    "http://172.16.5.4/hook",
    "http://192.168.0.10/hook",
    "http://0.0.0.0/hook",
    "http://192.0.0.8/hook",
    "http://198.18.0.1/hook",
    "http://224.0.0.1/hook",
    "http://[fec0::1]/hook",  # site-local
    "http://[fc00::1]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[::127.0.0.1]/hook",  # IPv4-compatible
    "http://[ff0e::1]/hook",  # multicast
    "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "http://[2002:c0a8::]/hook",  # 6to4 of 192.168.0.0
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/hook",  # IPv4-mapped 169.254.169.254
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64
    "http://[2001:0:808:808::80ff:fffe]/hook",  # Teredo, client 127.0.0.1
    "http://[2001:db8::1]/hook",
    "http://localhost/hook",
    "http://localhost.partner.test/hook",  # a name that resolves to 127.0.0.1
    "http://mixed.partner.test/hook",  # one public and one private answer
]

# Public: accepted everywhere.
PUBLIC = [
    "http://8.8.8.8/hook",
    "https://1.1.1.1:8443/hook?topic=tiers&x=%20y",
    "http://[2606:4700:4700::1111]/hook",
    "http://[2002:808:808::1]/hook",  # 6to4 of 8.8.8.8
    "http://[64:ff9b::808:808]/hook",  # NAT64 of 8.8.8.8
    "http://[::ffff:8.8.8.8]/hook",
    "http://hooks.partner.test/hook",
    "HTTPS://Hooks.Partner.Test:443",
]

# What the stub resolver answers.
DNS = {
    "hooks.partner.test": ["8.8.8.8", "2606:4700:4700::1111"],
    "localhost": ["127.0.0.1", "::1"],
    "localhost.partner.test": ["127.0.0.1"],
    "mixed.partner.test": ["8.8.4.4", "10.0.0.7"],
}


def as_https(url: str) -> str:
    return "https" + url[4:] if url.startswith("http:") else url
