"""E-mail addresses and phone numbers: what a contact question asks for, and where a contact entry ends.

Both sides need the same definitions: the PDF parser and the agents' line
joining end an entry after its contact details (a contact block is one person
after another, without blank lines between them), and the agents check that
an answer to "who is the contact?" contains some.
"""

from __future__ import annotations

import re

__all__ = [
    "ARABIC_PHONE_LABELS", "EMAIL_OR_PHONE", "PHONE_LABELS", "continues_contact", "ends_contact_entry", "ends_with_contact",
]

#: Words that introduce a phone number (a regex alternation; Latin script, matched case-insensitively).
PHONE_LABELS = r"tel|telefon|phone|fon|mobil|mobile|handy|tél|téléphone|portable|ph"
ARABIC_PHONE_LABELS = r"هاتف|الهاتف|جوال|موبايل"
#: Phone numbers start with "+" or a national "0", so that a year range ("2025 - 2030") or a large
#: amount ("10 000 000") never passes for contact details.
EMAIL_OR_PHONE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:\+|(?<![\w.,])0)\d[\d /()-]{5,}\d")
_ENDS_WITH_CONTACT = re.compile(rf"(?:{EMAIL_OR_PHONE.pattern})\s*$")
_CONTACT_LABEL = re.compile(
    rf"(?:(?:{PHONE_LABELS}|telephone|fax|e-?mail|mail|courriel)\.?|{ARABIC_PHONE_LABELS}|بريد|البريد)(?!\w)",
    re.IGNORECASE,
)


def ends_with_contact(line: str) -> bool:
    """Whether ``line`` ends with an e-mail address or a phone number."""
    return _ENDS_WITH_CONTACT.search(line) is not None


def continues_contact(line: str) -> bool:
    """Whether ``line``, after a line ending in contact details, still belongs to that entry.

    An entry is a name, a role and contact details, which may wrap onto the next line
    ("…@bonn.example" / "Telefon +49 …"); a lowercase line continues its sentence. The next
    capitalised line that is not more contact details starts a new entry.
    """
    body = line.strip()
    return bool(body) and (body[0].islower() or bool(_CONTACT_LABEL.match(body) or EMAIL_OR_PHONE.match(body)))


def ends_contact_entry(previous: str, line: str) -> bool:
    """Whether ``previous`` ends a contact entry and a non-blank ``line`` starts something new."""
    return bool(line.strip()) and ends_with_contact(previous) and not continues_contact(line)
