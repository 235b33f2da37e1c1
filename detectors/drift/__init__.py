"""Online drift detectors for one ordered stream of floats (river 0.26's algorithms).

They test each update for a change (sequential tests), restart after an alarm as river's
do, save JSON state without pickle, and cannot merge: run one per stream.
"""

from detectors.drift.adwin import ADWIN
from detectors.drift.kswin import KSWIN, ks_p_value
from detectors.drift.page_hinkley import PageHinkley

__all__ = ["ADWIN", "KSWIN", "PageHinkley", "ks_p_value"]
