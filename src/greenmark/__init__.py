"""greenmark: keyed green-list watermarking (KGW) for LLM text, and its detector.

>>> import greenmark
>>> isinstance(greenmark.__version__, str)
True
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("greenmark")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
