"""The exceptions gatviz raises for problems a person can fix.

Every message says what was expected, what was found and what to do, so the CLI and the app can
show it as it is, without a traceback.
"""


class GatvizError(ValueError):
    """Base class: bad input that the user can correct."""


class ConfigError(GatvizError):
    """A model or training setting is out of range or of the wrong kind."""


class DatasetError(GatvizError):
    """A dataset cannot be built: unknown name, malformed CSV, failed download."""


class CheckpointError(GatvizError):
    """A checkpoint file is unreadable, from a stranger, or does not fit the dataset."""


class TrainingError(GatvizError):
    """Training cannot go on: the loss became NaN or infinite."""
