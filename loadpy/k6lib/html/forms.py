"""Form values as k6 reads them: val() per control, and serialize/serializeArray/serializeObject.

k6's rules, kept even where a browser differs: a control is skipped when `disabled="disabled"` (a bare
`disabled` is not), and a checkbox or radio counts only with `checked="checked"` (a bare `checked` does not);
a select without a `selected` option has the value "".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loadpy.k6lib.html import dom
from loadpy.k6lib.http import encode_values

if TYPE_CHECKING:
    from loadpy.k6lib.html.selection import Selection

_SUBMITTABLE = "input,select,textarea,keygen"
_NOT_SUBMITTED = frozenset(("submit", "button", "reset", "image", "file"))


def value_or_html(selection: Selection) -> str:
    value = selection.attr("value")
    return value if isinstance(value, str) else selection.html()


def value(selection: Selection) -> str | list[str] | None:
    """k6's val() of the first node; None (undefined) for anything but a form control."""
    if not selection.nodes:
        return None
    first = selection.nodes[0]
    tag = dom.node_name(first)
    if tag == "input":
        given = dom.attribute(first, "value")
        if given is not None:
            return given
        return "on" if dom.attribute(first, "type") in ("radio", "checkbox") else ""
    if tag == "button":
        return dom.attribute(first, "value") or ""
    if tag == "textarea":
        return selection.html()
    if tag == "option":
        return value_or_html(selection)
    if tag == "select":
        selected = selection.first().find("option[selected]")
        if dom.attribute(first, "multiple") is not None:
            return [value_or_html(option) for option in selected.to_array()]
        return value_or_html(selected)
    return None


def _submitted(node: dom.Node) -> bool:
    kind = dom.attribute(node, "type") or ""
    return (
        bool(dom.attribute(node, "name"))
        and dom.attribute(node, "disabled") != "disabled"
        and kind not in _NOT_SUBMITTED
        and (dom.attribute(node, "checked") == "checked" or kind not in ("checkbox", "radio"))
    )


def submittable(selection: Selection) -> list[tuple[str, Any]]:
    """(name, value) of each control a form (or a selection of controls) would submit, in order."""
    controls = selection.find(_SUBMITTABLE) if selection.is_("form") else selection.filter(_SUBMITTABLE)
    return [
        (dom.attribute(control.nodes[0], "name") or "", control.val())
        for control in controls.to_array()
        if _submitted(control.nodes[0])
    ]


def urlencoded(pairs: list[tuple[str, Any]]) -> str:
    """Go's url.Values built with Set (a later control of the same name replaces it), then Encode()."""
    values: dict[str, list[str]] = {}
    for name, given in pairs:
        if isinstance(given, str):
            values[name] = [given]
        elif isinstance(given, list):
            values[name] = list(given)
    return encode_values(values)
