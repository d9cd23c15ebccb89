"""One root exception with a few narrow subclasses."""


class MonitorError(Exception):
    """Root of every error the library raises on purpose."""


class ConfigError(MonitorError):
    """The configuration file is invalid. `problems` holds `file:line: message` lines."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class NotFound(MonitorError):
    """An issue, source or deadline id that does not exist."""


class InvalidInput(MonitorError):
    """A value given by an operator that cannot be used (bad level, time, kind)."""


class FetchError(MonitorError):
    """A source could not be fetched or parsed; `reason` is a short machine word."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class DeliveryError(MonitorError):
    """A notification channel did not accept a message."""


class ServerUnavailable(DeliveryError):
    """The channel's server could not be reached or did not answer in time: no other message is tried
    on it in the same tick (the tick is never held by more than one timeout)."""
