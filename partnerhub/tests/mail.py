"""Reading what the product e-mailed, as the recipient would."""

import re

INVITATION_LINK = re.compile(r"/invitations/([A-Za-z0-9_-]+)/")


def invitation_token(message) -> str:
    """The token of the invitation link in ``message``."""
    found = INVITATION_LINK.search(message.body)
    assert found, f"no invitation link in: {message.body!r}"
    return found.group(1)
