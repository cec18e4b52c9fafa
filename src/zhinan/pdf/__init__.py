"""The print edition (PDF): each sector's volume and blank inspection form, and the bound guide.

The modules follow the work: `typeset` (Chinese typesetting and the templates' helpers) →
`jobs` (what to render) → `render` (WeasyPrint in worker processes) → `bind` (guide.pdf with
qpdf) with `fonts` (the faces used, one copy of each in the book) → `stage` (the build stage).
"""

from zhinan.pdf.fonts import GUIDE_FILE, PdfError
from zhinan.pdf.stage import build, outputs

__all__ = ["GUIDE_FILE", "PdfError", "build", "outputs"]
