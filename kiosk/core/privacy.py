"""Free text that may identify someone: flagged for moderation, never silently dropped.

Visitors are asked not to write names, addresses or phone numbers. Some will anyway;
the text is kept (it may be a good idea) but flagged so staff see it before anyone else.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# A phone number: optional +country or leading 0, then at least six more digits, allowing the
# spaces, slashes, dashes and brackets people write between groups ("02921 / 12 34-5").
PHONE = re.compile(r"(?:\+\d{1,3}[\s/-]*|\b0)(?:[\s/()-]*\d){6,}")


def looks_like_contact_data(text: str) -> bool:
    return bool(EMAIL.search(text) or PHONE.search(text))
