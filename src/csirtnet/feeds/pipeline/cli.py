"""(being written)"""

from csirtnet.feeds.cli_app import app  # noqa: F401
