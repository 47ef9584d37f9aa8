"""The one place bench/ imports the national generator from (it moves to synth/national.py: re-point these lines)."""

from eldercare.synth.national import generate, month_range
from eldercare.synth.sample import BED_ITEMS

__all__ = ["generate", "month_range", "BED_ITEMS"]
