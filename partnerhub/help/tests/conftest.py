# The browser fixtures of the portal's tests (and their failure screenshots) serve the help
# centre's browser tests too.
from partnerhub.portal.tests.conftest import (  # noqa: F401
    browser,
    pages,
    pytest_runtest_makereport,
    shots,
)
