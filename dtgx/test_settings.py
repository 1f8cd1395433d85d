"""Settings for the test suite: the ``test`` profile of ``dtgx.settings``."""

import os

os.environ.setdefault("DTGX_ENV", "test")

from dtgx.settings import *  # noqa: F403
