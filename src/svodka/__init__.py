"""svodka — read public Telegram channels and news feeds, compile short, credible, cited digests.

The package is a library first; :mod:`svodka.cli` is a thin command-line layer over it.
"""

__version__ = "0.1.0"
