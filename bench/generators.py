"""The one place bench/ imports the national generator from."""

from synth.national import generate, month_range
from synth.sample import BED_ITEMS

__all__ = ["generate", "month_range", "BED_ITEMS"]
