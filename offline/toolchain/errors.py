"""The ways a source can fail: try the next source, or stop."""


class UnavailableError(Exception):
    """This source cannot serve the tool here (no network, no platform build): try the next."""


class InstallError(Exception):
    """Stop: the tool cannot be installed, and the message says why and what to do."""


class ChecksumError(InstallError):
    """A download does not match its pinned sha256: never fall back, never install it."""
