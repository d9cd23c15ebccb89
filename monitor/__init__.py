"""舆情 monitor: collect, judge, and keep the legal response clocks."""

__version__ = "0.1.0"
