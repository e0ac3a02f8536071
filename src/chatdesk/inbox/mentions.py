"""@mentions in notes as the thread shows them: each mentioned agent's ``@Name`` highlighted."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from markupsafe import Markup, escape


def highlight(html: Markup, user_ids: Iterable[int], names: Mapping[int, str]) -> Markup:
    """``html`` (text already escaped, e.g. by ``linkify``) with ``@Name`` of each mentioned
    agent marked. Longer names first, so "@Sam Owner" is not cut at "@Sam"."""
    out = str(html)
    found = {name for name in (names.get(u) for u in user_ids) if name}
    for name in sorted(found, key=len, reverse=True):
        at = str(escape("@" + name))
        out = out.replace(at, f'<mark class="mention">{at}</mark>')
    return Markup(out)
