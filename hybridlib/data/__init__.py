"""Dataset loaders; every source becomes a :class:`RetrievalTask`."""

from .afriqa import load_afriqa
from .lareqa import load_lareqa, settings
from .miracl import load_miracl
from .squad import load_mlqa_test, load_tydi_dev
from .task import DataError, RetrievalTask

__all__ = [
    "DataError",
    "RetrievalTask",
    "load_afriqa",
    "load_lareqa",
    "load_miracl",
    "load_mlqa_test",
    "load_tydi_dev",
    "settings",
]
