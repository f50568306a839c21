"""Progress bars: ``tqdm.auto`` (a widget in Jupyter, text elsewhere), off when asked or when
``TQDM_DISABLE=1`` is set.

tqdm's own environment override does not reach its notebook widget (``tqdm.notebook`` turns an unset
``disable`` into ``False``), so the setting is read here: CI sets it, and the study runner sets it for
the kernels it starts, because a saved widget shows its first frame ("0%|") to every later reader.
"""

from __future__ import annotations

import os

from tqdm.auto import tqdm


def bars_off(show_progress: bool = True) -> bool:
    """True when bars are not wanted: ``show_progress`` False, or ``TQDM_DISABLE`` set (not "" / "0")."""
    return not show_progress or os.environ.get("TQDM_DISABLE", "") not in ("", "0")


def progress(iterable=None, *, show_progress: bool = True, disable: bool = False, **kwargs) -> tqdm:
    """``tqdm.auto.tqdm(iterable, **kwargs)``, disabled by ``disable`` or :func:`bars_off`."""
    return tqdm(iterable, disable=disable or bars_off(show_progress), **kwargs)
