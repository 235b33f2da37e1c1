"""river's drift module, imported when a Page-Hinkley detector is first made, not at start.

``river.drift``'s package imports river's datasets, and through them scikit-learn and
``scipy.io`` whenever they are installed: 0.8 s of a 2-core machine's start-up, which a
worker without a Page-Hinkley detector (the default has no online detector) would pay for
nothing. ADWIN drives river's Rust engine without it.

Examples
--------
>>> river_drift().PageHinkley.__name__
'PageHinkley'
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["river_drift"]


def river_drift() -> ModuleType:
    """``river.drift``, imported on the first call (later calls find it in ``sys.modules``)."""
    from river import drift

    return drift
