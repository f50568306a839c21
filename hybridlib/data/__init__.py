"""Dataset loaders; every source becomes a :class:`RetrievalTask`."""

from hybridlib.data.afriqa import load_afriqa
from hybridlib.data.lareqa import load_lareqa, settings
from hybridlib.data.miracl import load_miracl
from hybridlib.data.mlqa_tydi import load_mlqa_test, load_tydi_dev
from hybridlib.data.task import DataError, RetrievalTask

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
