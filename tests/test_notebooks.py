"""Every numbered notebook runs end to end with papermill in the smoke preset (pyhf pattern),
and the values it records are checked, not only that it ran."""

from __future__ import annotations

import pytest

from hybridlib.report import recorded
from hybridlib.study import execute, notebooks

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("executed")

    def _run(prefix: str) -> dict:
        (nb,) = notebooks([prefix])
        execute(nb, "smoke", out_dir=out)
        return recorded(nb.stem, "smoke")

    return _run


def test_00_datasets(run):
    v = run("00_")
    assert v["lareqa_files_matching"] == v["lareqa_files"] == 18
    assert v["miracl_paper_mismatches"] == ["ar", "en", "es"], "the paper's Table 11 typos must be flagged"
    assert v["training_pairs"] == 41904
