"""Named errors with messages a staff member or city IT admin can act on."""


class KioskError(Exception):
    """Base of the kiosk's own errors; the CLI prints the message, never a traceback."""

    exit_code = 1


class ConfigError(KioskError):
    """config.toml is missing, unreadable or has wrong keys or values."""

    exit_code = 2


class ContentRootError(KioskError):
    """The content root named on the command line or in the config is not a folder."""

    exit_code = 2


class UsageError(KioskError):
    """A command was called with arguments that cannot work together."""

    exit_code = 2


class ProtectedFileError(KioskError):
    """A command was asked to write over the store, its config, the content or a device:
    refused before anything was written."""

    exit_code = 2
