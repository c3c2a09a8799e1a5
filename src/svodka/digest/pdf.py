"""PDF: a compact print layout through WeasyPrint (needs Pango and DejaVu fonts: scripts/system-deps.sh).

The first page lists the headlines, numbered, each with its score and sources line; then the stories,
several to an A4 page: key sentences carry footnote numbers, and each story ends with its sources, every
URL listed once (:mod:`svodka.digest.footnotes`). It renders the digest's document, so a stored digest
(the web app's) prints the same as a fresh one.
"""

from __future__ import annotations

from svodka.digest.footnotes import meta_line, print_stories, title, voice, when
from svodka.digest.model import Digest
from svodka.digest.render import _env, digest_links
from svodka.digest.schema import DigestDocument, to_dict
from svodka.errors import ConfigError


def render_print_html(doc: DigestDocument, language: str | None = None) -> str:
    """The HTML the PDF is made from (its links checked again by :func:`digest_links`), in ``language``
    (default: the document's own)."""
    doc = digest_links(doc)
    v = voice(doc, language)
    return (
        _env(v.language)
        .get_template("digest_print.html.j2")
        .render(
            lang=v.language,
            title=title(doc, v),
            meta=meta_line(doc, v),
            stories=print_stories(doc, v),
            credibility=doc.get("credibility") or (),
            items={it["rank"]: it for it in doc.get("items") or ()},  # the partials' evidence per story
            only_in=doc.get("only_in") or (),
            when=lambda iso: when(iso, v),
            hm=v.clock,
        )
    )


def render_pdf_document(doc: DigestDocument, language: str | None = None) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise ConfigError(
            f"PDF needs WeasyPrint and Pango ({e}); install them or use --format html"
        ) from None
    result: bytes = weasyprint.HTML(string=render_print_html(doc, language)).write_pdf()
    return result


def render_pdf(digest: Digest) -> bytes:
    return render_pdf_document(to_dict(digest))
