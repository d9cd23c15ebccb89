"""HTML to PDF (WeasyPrint: the same templates as the HTML reports, Chinese set in the installed CJK
font through fontconfig, inline SVG charts as vectors)."""
from __future__ import annotations

import logging

from ..errors import MonitorError

log = logging.getLogger(__name__)

PAGE_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm; @bottom-center { content: counter(page) " / " counter(pages);
        font-size: 9px; color: #6b7785; } }
body { background: #fff !important; }
main { max-width: none !important; padding: 0 !important; }
section, tr, li { break-inside: avoid; }
"""


def html_to_pdf(html: str) -> bytes:
    try:
        import weasyprint          # a second to import, and only `report … .pdf` needs it
    except OSError as e:           # pango missing: WeasyPrint cannot load its libraries
        raise MonitorError("生成 PDF 需要 pango 库: apt install libpango-1.0-0 libpangoft2-1.0-0 "
                           f"({e})") from None
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)      # font-subsetting chatter is not news
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=PAGE_CSS)])
