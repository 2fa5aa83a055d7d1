"""The production settings, served with the benchmark's URLconf (``bench.server_urls``).

Only the API throughput benchmark uses this module: it adds a bare endpoint next to the
product's routes without the product carrying it.
"""

from partnerhub.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.server_urls"
