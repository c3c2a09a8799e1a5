"""PDF: the print-friendly HTML through WeasyPrint (needs Pango and DejaVu fonts: scripts/system-deps.sh)."""

from __future__ import annotations

from svodka.digest.model import Digest
from svodka.digest.render import render_html
from svodka.errors import ConfigError


def render_pdf(digest: Digest) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise ConfigError(
            f"PDF needs WeasyPrint and Pango ({e}); install them or use --format html"
        ) from None
    result: bytes = weasyprint.HTML(string=render_html(digest)).write_pdf()
    return result
