"""Progress bars honour TQDM_DISABLE themselves (tqdm's notebook widget ignores the variable)."""

from __future__ import annotations

import io

from hybridlib.progress import bars_off, progress


def test_bars_off_reads_the_environment(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert not bars_off(), "bars are on by default"
    assert bars_off(show_progress=False)
    for value, off in (("1", True), ("true", True), ("0", False), ("", False)):
        monkeypatch.setenv("TQDM_DISABLE", value)
        assert bars_off() is off, f"TQDM_DISABLE={value!r} should turn bars {'off' if off else 'on'}"


def test_progress_is_disabled_but_still_iterates(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    bar = progress(range(3), desc="x")
    assert bar.disable and list(bar) == [0, 1, 2]
    monkeypatch.delenv("TQDM_DISABLE")
    assert not progress(range(1), file=io.StringIO()).disable
    assert progress(range(1), disable=True).disable
