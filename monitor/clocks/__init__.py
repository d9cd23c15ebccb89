"""The legal clocks, pure: rules (the table of kinds, limits, bases), policy (which clocks a level
starts, which notices are due and why), workdays (China's official calendar), stats (timeliness)."""
