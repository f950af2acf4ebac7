"""SalesDesk: desktop rich client for field sales."""


def __getattr__(name: str) -> str:
    # importlib.metadata costs ~25 ms: read the version only when someone asks
    if name != "__version__":
        raise AttributeError(name)
    from importlib import metadata

    try:
        return metadata.version("salesdesk")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0+source"
