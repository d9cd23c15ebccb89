"""舆情 monitor: collect, judge, and keep the legal response clocks."""
import sys

__version__ = "0.1.0"

# sqlite-utils imports NumPy whenever it is installed (to store NumPy values, which monitor never hands it):
# a quarter of a read command's start-up. Import it once with NumPy hidden; NumPy itself stays importable
# for the sentiment model (scikit-learn) where it is needed.
if "sqlite_utils" not in sys.modules and "numpy" not in sys.modules:
    sys.modules["numpy"] = None          # type: ignore[assignment]  # `import numpy` raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]
