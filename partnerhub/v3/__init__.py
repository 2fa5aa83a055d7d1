"""The compatible V3 partner surface (``/v3/...``) and its credentials.

What each endpoint does, and every decision where the public API leaves room, is written in
``partnerhub.v3.api``. Credentials are made with ``credentials.v3_client_create`` (portal,
later) or in the admin by program staff, and revoked with ``credentials.v3_client_revoke``.
"""
