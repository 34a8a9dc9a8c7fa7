"""Errors raised by procsimp.

Every error message names what was received, what is allowed and how to fix it. The CLI turns
any :class:`ProcsimpError` into one ``Error: ...`` line and exit code 1, without a traceback.
"""

from __future__ import annotations

__all__ = [
    "ProcsimpError",
    "LogReadError",
    "LogValidationError",
    "MappingError",
    "MissingColumnError",
    "ParameterError",
    "CatalogError",
    "ProcedureError",
    "OptionalDependencyError",
    "OutputFolderError",
    "PrivacyError",
    "EngineResourceError",
]


class ProcsimpError(Exception):
    """Base class of every error that procsimp raises on purpose."""


class LogReadError(ProcsimpError, ValueError):
    """A log file cannot be read: missing, empty, corrupt, unsupported or unsafe."""


class LogValidationError(ProcsimpError, ValueError):
    """A log was read but its content breaks a rule (bad timestamps, end before start, ...)."""


class MappingError(ProcsimpError, ValueError):
    """Columns cannot be mapped to roles: ambiguous headers, unknown roles, bad mapping file."""


class MissingColumnError(MappingError, KeyError):
    """A required column is missing; the message lists the columns that exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ParameterError(ProcsimpError, ValueError):
    """A function or detector received a parameter outside its allowed range."""


class CatalogError(ProcsimpError, ValueError):
    """A service catalog file is malformed."""


class ProcedureError(ProcsimpError, ValueError):
    """A reference procedure file is missing or malformed; the message names file, entry and field."""


class OptionalDependencyError(ProcsimpError, ImportError):
    """An optional package is needed; the message gives the install command."""


class OutputFolderError(ProcsimpError, OSError):
    """An output folder cannot be written: a file, read-only, locked by another run, or holding
    files procsimp did not write; the previous folder is left as it was."""

    def __str__(self) -> str:  # OSError would format (errno, strerror)
        return str(self.args[0]) if self.args else ""


class PrivacyError(ProcsimpError, ValueError):
    """Anonymisation cannot run as asked: no key, a key too short, an unknown column."""


class EngineResourceError(ProcsimpError, MemoryError):
    """The engine ran out of memory or temporary disk space for a query; the message names the
    table it was computing and how to give it more."""
