"""SalesDesk: desktop rich client for field sales."""

from importlib import metadata

try:
    __version__ = metadata.version("salesdesk")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
