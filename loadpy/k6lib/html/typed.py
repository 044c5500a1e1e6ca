"""The tag-specific properties k6 adds to Elements (elements.go and the generated elements_gen.go).

k6 wraps an `<a>` in AnchorElement (→ HrefElement → Element), an `<input>` in InputElement
(→ FormFieldElement → Element) and so on. `lookup(type, name)` finds a property along that chain, the most
specific first, as Go's embedded-struct method resolution does. Names are k6's in snake_case
(`hrefLang` → `href_lang`, `tHead` → `t_head`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loadpy.k6lib import goref, gourl
from loadpy.k6lib.gobytes import go_string
from loadpy.k6lib.html.forms import value_or_html

if TYPE_CHECKING:
    from loadpy.k6lib.html.element import Element
    from loadpy.k6lib.html.selection import Selection

Accessor = Callable[["Element"], Any]

BASES = {
    "AnchorElement": "HrefElement", "AreaElement": "HrefElement", "AudioElement": "MediaElement",
    "VideoElement": "MediaElement", "ButtonElement": "FormFieldElement", "InputElement": "FormFieldElement",
    "DelElement": "ModElement", "InsElement": "ModElement", "TableHeadElement": "TableSectionElement",
    "TableFootElement": "TableSectionElement", "TableBodyElement": "TableSectionElement",
    "TableDataCellElement": "TableCellElement", "TableHeaderCellElement": "TableCellElement",
}  # fmt: skip

_REFERRER = ("", "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "unsafe-url")
_AUTOCOMPLETE = ("on", "off")
_ENCTYPE = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
_CROSS_ORIGIN = ("anonymous", "use-credentials")
_AUTOCAPITALIZE = ("sentences", "none", "off", "characters", "words")
_INPUT_TYPES = (
    "text", "button", "checkbox", "color", "date", "datetime-local", "email", "file", "hidden", "image", "month",
    "number", "password", "radio", "range", "reset", "search", "submit", "tel", "time", "url", "week",
)  # fmt: skip

# (type, Go method, attribute, kind, argument): kind is string | bool | int (argument: the default) |
# url (argument: "" or None for the document URL) | const (argument: the value) | enum (argument: the
# allowed values, the first is the default) | nullable (argument: the allowed values, else undefined).
_GENERATED: tuple[tuple[str, str, str, str, Any], ...] = (
    ("HrefElement", "Download", "download", "string", None),
    ("HrefElement", "ReferrerPolicy", "referrerpolicy", "enum", _REFERRER),
    ("HrefElement", "Rel", "rel", "string", None),
    ("HrefElement", "Href", "href", "url", ""),
    ("HrefElement", "Target", "target", "string", None),
    ("HrefElement", "Type", "type", "string", None),
    ("HrefElement", "AccessKey", "accesskey", "string", None),
    ("HrefElement", "HrefLang", "hreflang", "string", None),
    ("HrefElement", "ToString", "href", "url", ""),
    ("MediaElement", "Autoplay", "autoplay", "bool", None),
    ("MediaElement", "Controls", "controls", "bool", None),
    ("MediaElement", "Loop", "loop", "bool", None),
    ("MediaElement", "Muted", "muted", "bool", None),
    ("MediaElement", "Preload", "preload", "enum", ("auto", "metadata", "none")),
    ("MediaElement", "Src", "src", "url", ""),
    ("MediaElement", "CrossOrigin", "crossorigin", "nullable", _CROSS_ORIGIN),
    ("MediaElement", "CurrentSrc", "src", "string", None),
    ("MediaElement", "DefaultMuted", "muted", "bool", None),
    ("MediaElement", "MediaGroup", "mediagroup", "string", None),
    ("BaseElement", "Href", "href", "url", None),
    ("BaseElement", "Target", "target", "string", None),
    ("ButtonElement", "AccessKey", "accesskey", "string", None),
    ("ButtonElement", "Autofocus", "autofocus", "bool", None),
    ("ButtonElement", "Disabled", "disabled", "bool", None),
    ("ButtonElement", "TabIndex", "tabindex", "int", 0),
    ("ButtonElement", "Type", "type", "enum", ("submit", "button", "menu", "reset")),
    ("DataElement", "Value", "value", "string", None),
    ("EmbedElement", "Height", "height", "string", None),
    ("EmbedElement", "Width", "width", "string", None),
    ("EmbedElement", "Src", "src", "string", None),
    ("EmbedElement", "Type", "type", "string", None),
    ("FieldSetElement", "Disabled", "disabled", "bool", None),
    ("FieldSetElement", "Name", "name", "string", None),
    ("FormElement", "Action", "action", "url", ""),
    ("FormElement", "Name", "name", "string", None),
    ("FormElement", "Target", "target", "string", None),
    ("FormElement", "Enctype", "enctype", "enum", _ENCTYPE),
    ("FormElement", "Encoding", "enctype", "enum", _ENCTYPE),
    ("FormElement", "AcceptCharset", "accept-charset", "string", None),
    ("FormElement", "Autocomplete", "autocomplete", "enum", _AUTOCOMPLETE),
    ("FormElement", "NoValidate", "novalidate", "bool", None),
    ("IFrameElement", "Allowfullscreen", "allowfullscreen", "bool", None),
    ("IFrameElement", "ReferrerPolicy", "referrerpolicy", "enum", _REFERRER),
    ("IFrameElement", "Height", "height", "string", None),
    ("IFrameElement", "Width", "width", "string", None),
    ("IFrameElement", "Name", "name", "string", None),
    ("IFrameElement", "Src", "src", "url", ""),
    ("ImageElement", "CurrentSrc", "src", "url", ""),
    ("ImageElement", "Sizes", "sizes", "string", None),
    ("ImageElement", "Srcset", "srcset", "string", None),
    ("ImageElement", "Alt", "alt", "string", None),
    ("ImageElement", "CrossOrigin", "crossorigin", "nullable", _CROSS_ORIGIN),
    ("ImageElement", "Height", "height", "int", 0),
    ("ImageElement", "Width", "width", "int", 0),
    ("ImageElement", "IsMap", "ismap", "bool", None),
    ("ImageElement", "Name", "name", "string", None),
    ("ImageElement", "Src", "src", "url", ""),
    ("ImageElement", "UseMap", "usemap", "string", None),
    ("ImageElement", "ReferrerPolicy", "referrerpolicy", "enum", _REFERRER),
    ("InputElement", "Name", "name", "string", None),
    ("InputElement", "TabIndex", "tabindex", "int", 0),
    ("InputElement", "Type", "type", "enum", _INPUT_TYPES),
    ("InputElement", "Disabled", "disabled", "bool", None),
    ("InputElement", "Autofocus", "autofocus", "bool", None),
    ("InputElement", "Required", "required", "bool", None),
    ("InputElement", "Value", "value", "string", None),
    ("InputElement", "Checked", "checked", "bool", None),
    ("InputElement", "DefaultChecked", "checked", "bool", None),
    ("InputElement", "Alt", "alt", "string", None),
    ("InputElement", "Src", "src", "url", ""),
    ("InputElement", "Height", "height", "string", None),
    ("InputElement", "Width", "width", "string", None),
    ("InputElement", "Accept", "accept", "string", None),
    ("InputElement", "Autocomplete", "autocomplete", "enum", _AUTOCOMPLETE),
    ("InputElement", "MaxLength", "maxlength", "int", -1),
    ("InputElement", "Size", "size", "int", 0),
    ("InputElement", "Pattern", "pattern", "string", None),
    ("InputElement", "Placeholder", "placeholder", "string", None),
    ("InputElement", "Readonly", "readonly", "bool", None),
    ("InputElement", "Min", "min", "string", None),
    ("InputElement", "Max", "max", "string", None),
    ("InputElement", "DefaultValue", "value", "string", None),
    ("InputElement", "DirName", "dirname", "string", None),
    ("InputElement", "AccessKey", "accesskey", "string", None),
    ("InputElement", "Multiple", "multiple", "bool", None),
    ("InputElement", "Step", "step", "string", None),
    ("KeygenElement", "Autofocus", "autofocus", "bool", None),
    ("KeygenElement", "Challenge", "challenge", "string", None),
    ("KeygenElement", "Disabled", "disabled", "bool", None),
    ("KeygenElement", "Keytype", "keytype", "enum", ("RSA", "DSA", "EC")),
    ("KeygenElement", "Name", "name", "string", None),
    ("KeygenElement", "Type", "type", "const", "keygen"),
    ("LabelElement", "HtmlFor", "for", "string", None),
    ("LegendElement", "AccessKey", "accesskey", "string", None),
    ("LiElement", "Value", "value", "int", 0),
    ("LiElement", "Type", "type", "enum", ("", "1", "a", "A", "i", "I", "disc", "square", "circle")),
    ("LinkElement", "CrossOrigin", "crossorigin", "nullable", _CROSS_ORIGIN),
    ("LinkElement", "ReferrerPolicy", "referrerpolicy", "enum", _REFERRER),
    ("LinkElement", "Href", "href", "url", ""),
    ("LinkElement", "Hreflang", "hreflang", "string", None),
    ("LinkElement", "Media", "media", "string", None),
    ("LinkElement", "Rel", "rel", "string", None),
    ("LinkElement", "Target", "target", "string", None),
    ("LinkElement", "Type", "type", "string", None),
    ("MapElement", "Name", "name", "string", None),
    ("MetaElement", "Content", "content", "string", None),
    ("MetaElement", "Name", "name", "string", None),
    ("MetaElement", "HttpEquiv", "http-equiv", "enum", ("content-type", "default-style", "refresh")),
    ("MeterElement", "Min", "min", "int", 0),
    ("MeterElement", "Max", "max", "int", 0),
    ("MeterElement", "High", "high", "int", 0),
    ("MeterElement", "Low", "low", "int", 0),
    ("MeterElement", "Optimum", "optimum", "int", 0),
    ("ModElement", "Cite", "cite", "string", None),
    ("ModElement", "Datetime", "datetime", "string", None),
    ("ObjectElement", "Data", "data", "url", ""),
    ("ObjectElement", "Height", "height", "string", None),
    ("ObjectElement", "Name", "name", "string", None),
    ("ObjectElement", "Type", "type", "string", None),
    ("ObjectElement", "TabIndex", "tabindex", "int", 0),
    ("ObjectElement", "TypeMustMatch", "typemustmatch", "bool", None),
    ("ObjectElement", "UseMap", "usemap", "string", None),
    ("ObjectElement", "Width", "width", "string", None),
    ("OListElement", "Reversed", "reversed", "bool", None),
    ("OListElement", "Start", "start", "int", 0),
    ("OListElement", "Type", "type", "enum", ("1", "a", "A", "i", "I")),
    ("OptGroupElement", "Disabled", "disabled", "bool", None),
    ("OptGroupElement", "Label", "label", "string", None),
    ("OptionElement", "DefaultSelected", "selected", "bool", None),
    ("OptionElement", "Selected", "selected", "bool", None),
    ("OutputElement", "HtmlFor", "for", "string", None),
    ("OutputElement", "Name", "name", "string", None),
    ("OutputElement", "Type", "type", "const", "output"),
    ("ParamElement", "Name", "name", "string", None),
    ("ParamElement", "Value", "value", "string", None),
    ("PreElement", "Name", "name", "string", None),
    ("PreElement", "Value", "value", "string", None),
    ("QuoteElement", "Cite", "cite", "string", None),
    ("ScriptElement", "CrossOrigin", "crossorigin", "string", None),
    ("ScriptElement", "Type", "type", "string", None),
    ("ScriptElement", "Src", "src", "url", ""),
    ("ScriptElement", "Charset", "charset", "string", None),
    ("ScriptElement", "Async", "async", "bool", None),
    ("ScriptElement", "Defer", "defer", "bool", None),
    ("ScriptElement", "NoModule", "nomodule", "bool", None),
    ("SelectElement", "Autofocus", "autofocus", "bool", None),
    ("SelectElement", "Disabled", "disabled", "bool", None),
    ("SelectElement", "Multiple", "multiple", "bool", None),
    ("SelectElement", "Name", "name", "string", None),
    ("SelectElement", "Required", "required", "bool", None),
    ("SelectElement", "TabIndex", "tabindex", "int", 0),
    ("SourceElement", "KeySystem", "keysystem", "string", None),
    ("SourceElement", "Media", "media", "string", None),
    ("SourceElement", "Sizes", "sizes", "string", None),
    ("SourceElement", "Src", "src", "url", ""),
    ("SourceElement", "Srcset", "srcset", "string", None),
    ("SourceElement", "Type", "type", "string", None),
    ("StyleElement", "Media", "media", "string", None),
    ("TableElement", "Sortable", "sortable", "bool", None),
    ("TableCellElement", "ColSpan", "colspan", "int", 1),
    ("TableCellElement", "RowSpan", "rowspan", "int", 1),
    ("TableCellElement", "Headers", "headers", "string", None),
    ("TableHeaderCellElement", "Abbr", "abbr", "string", None),
    ("TableHeaderCellElement", "Scope", "scope", "enum", ("", "row", "col", "colgroup", "rowgroup")),
    ("TableHeaderCellElement", "Sorted", "sorted", "bool", None),
    ("TextAreaElement", "Type", "type", "const", "textarea"),
    ("TextAreaElement", "Value", "value", "string", None),
    ("TextAreaElement", "DefaultValue", "value", "string", None),
    ("TextAreaElement", "Placeholder", "placeholder", "string", None),
    ("TextAreaElement", "Rows", "rows", "int", 0),
    ("TextAreaElement", "Cols", "cols", "int", 0),
    ("TextAreaElement", "MaxLength", "maxlength", "int", 0),
    ("TextAreaElement", "TabIndex", "tabindex", "int", 0),
    ("TextAreaElement", "AccessKey", "accesskey", "string", None),
    ("TextAreaElement", "ReadOnly", "readonly", "bool", None),
    ("TextAreaElement", "Required", "required", "bool", None),
    ("TextAreaElement", "Autocomplete", "autocomplete", "enum", _AUTOCOMPLETE),
    ("TextAreaElement", "Autocapitalize", "autocapitalize", "enum", _AUTOCAPITALIZE),
    ("TextAreaElement", "Wrap", "wrap", "enum", ("soft", "hard", "off")),
    ("TimeElement", "Datetime", "datetime", "string", None),
    ("TrackElement", "Kind", "kind", "enum", ("subtitle", "captions", "descriptions", "chapters", "metadata")),
    ("TrackElement", "Src", "src", "url", ""),
    ("TrackElement", "Srclang", "srclang", "string", None),
    ("TrackElement", "Label", "label", "string", None),
    ("TrackElement", "Default", "default", "bool", None),
    ("UListElement", "Type", "type", "string", None),
)  # fmt: skip

_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_GO_INT = re.compile(r"[+-]?[0-9]+")
_GO_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(?i:inf|infinity|nan)")


def snake(go_name: str) -> str:
    return _SNAKE.sub("_", go_name).lower()


# --- attribute readers (element.go) -------------------------------------------------------------------------


def attr_string(el: Element, name: str) -> str:
    return el.selection().attr(name) or ""


def attr_present(el: Element, name: str) -> bool:
    return el.selection().attr(name) is not None


def attr_int(el: Element, name: str, default: int) -> int:
    """strconv.Atoi of the attribute: digits with an optional sign, within int64, else the default."""
    value = el.selection().attr(name)
    if value is None or not _GO_INT.fullmatch(value):
        return default
    number = int(value)
    return number if -(2**63) <= number < 2**63 else default


def _go_float(value: str | None) -> float | None:
    if value is None or not _GO_FLOAT.fullmatch(value):
        return None
    return float(value)


def resolve_url(el: Element, value: str) -> gourl.GoUrl | None:
    """The attribute value resolved against the document's URL (None when either does not parse)."""
    try:
        base = gourl.parse(el.selection().url)
        ref = gourl.parse(value)
    except gourl.GoUrlError:
        return None
    return goref.resolve_reference(base, ref)


def attr_url(el: Element, name: str, default: str | None) -> str:
    """A URL attribute: as written for a document without URL, else absolute (`default` when absent)."""
    url = el.selection().url
    if url == "":
        return attr_string(el, name)
    value = el.selection().attr(name)
    resolved = None if value is None else resolve_url(el, value)
    if resolved is None:
        return url if default is None else default
    return goref.to_string(resolved)


def _generated(kind: str, attr: str, arg: Any) -> Accessor:
    if kind == "string":
        return lambda el: attr_string(el, attr)
    if kind == "bool":
        return lambda el: attr_present(el, attr)
    if kind == "int":
        return lambda el: attr_int(el, attr, arg)
    if kind == "url":
        return lambda el: attr_url(el, attr, arg)
    if kind == "const":
        return lambda el: arg
    if kind == "enum":
        return lambda el: value if (value := attr_string(el, attr)) in arg[1:] else arg[0]
    return lambda el: value if (value := el.selection().attr(attr)) in arg else None


# --- hand-written properties (elements.go) ------------------------------------------------------------------


def _elements(el: Element, selection: Selection) -> list[Element]:
    return [el._wrap_node(node, selection._single(node)) for node in selection.nodes]


def _element_of(el: Element, selection: Selection) -> Element | None:
    """k6's selToElement: the first node, holding the whole selection."""
    return el._wrap_node(selection.nodes[0], selection) if selection.nodes else None


def _document_find(el: Element, selector: str) -> Selection:
    return el.selection().parents().last().find(selector)


def owner_form(el: Element) -> Selection | None:
    form = el.selection().closest("form")
    if form.size() > 0:
        return form
    form_id = attr_string(el, "form")
    if form_id == "":
        return None
    found = _document_find(el, "#" + form_id)
    return found if found.size() > 0 else None


def _owner_form_element(el: Element) -> Element | None:
    form = owner_form(el)
    return None if form is None else _element_of(el, form.eq(0))


def _labels(el: Element) -> list[Element]:
    wrapper = el.selection().closest("label")
    element_id = attr_string(el, "id")
    if element_id == "":
        return _elements(el, wrapper)
    by_id = _document_find(el, f'label[for="{element_id}"]')
    if by_id.size() == 0:
        return _elements(el, wrapper)
    return _elements(el, wrapper.add(by_id))


def _href(el: Element) -> gourl.GoUrl:
    value = el.selection().attr("href")
    resolved = None if value is None else resolve_url(el, value)
    return resolved or gourl.GoUrl()


def _split_host_port(host: str) -> tuple[str, str] | None:
    """net.SplitHostPort; None where Go returns an error."""
    if host.startswith("["):
        end = host.find("]")
        if end < 0 or host[end + 1 : end + 2] != ":" or "[" in host[1:] or "]" in host[end + 1 :]:
            return None
        return host[1:end], host[end + 2 :]
    name, colon, port = host.rpartition(":")
    if not colon or ":" in name or "[" in name or "]" in name:
        return None
    return name, port


_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}


def _host(el: Element) -> str:
    href = _href(el)
    host = go_string(href.host)
    if not host:
        return ""
    split = _split_host_port(host)
    if split is None:
        return host
    name, port = split
    return name if _DEFAULT_PORTS.get(href.scheme) == port else host


def _hostname(el: Element) -> str:
    host = go_string(_href(el).host)
    split = _split_host_port(host) if host else None
    return host if split is None else split[0]


def _port(el: Element) -> str:
    host = go_string(_href(el).host)
    split = _split_host_port(host) if host else None
    return "" if split is None else split[1]


def _origin(el: Element) -> str:
    href = _href(el)
    if not href.scheme:
        return ""
    if href.scheme == "file":
        return attr_url(el, "href", "")
    return f"{href.scheme}://{go_string(href.host)}"


def _form_or_element_attr(el: Element, name: str) -> str | None:
    own = el.selection().attr("form" + name)
    if own is not None:
        return str(own)
    form = owner_form(el)
    value = None if form is None else form.attr(name)
    return None if value is None else str(value)


def _form_action(el: Element) -> str:
    action = _form_or_element_attr(el, "action")
    url = el.selection().url
    if url == "":
        return action or ""
    if not action:
        return url
    resolved = resolve_url(el, action)
    return action if resolved is None else goref.to_string(resolved)


def _form_enctype(el: Element) -> str:
    enctype = _form_or_element_attr(el, "enctype")
    return enctype if enctype in ("multipart/form-data", "text/plain") else "application/x-www-form-urlencoded"


def _index_in(holder: Selection, selector: str, el: Element) -> int:
    return holder.find(selector).index(el.selection())


def _option_disabled(el: Element) -> bool:
    if attr_present(el, "disabled"):
        return True
    group = el.selection().parents("optgroup")
    return group.size() > 0 and group.attr("disabled") is not None


def _option_form(el: Element) -> Element | None:
    form = el.selection().parents("form")
    if form.size() != 0:
        return _element_of(el, form.first())
    select = el.selection().parents("select")
    form_id = select.attr("form")
    if form_id is None:
        return None
    owner = select.parents().last().find("form#" + str(form_id))
    return _element_of(el, owner.first()) if owner.size() else None


def _option_index(el: Element) -> int:
    holder = el.selection().parents("select,datalist")
    return _index_in(holder, "option", el) if holder.size() else 0


def _progress_max(el: Element) -> float:
    value = _go_float(el.selection().attr("max"))
    return 1.0 if value is None or value < 0 else value


def _progress(el: Element, default: float) -> float:
    value = _go_float(el.selection().attr("value"))
    return default if value is None or value < 0 else value / _progress_max(el)


def _selected_index(el: Element) -> int:
    selected = el.selection().find("option[selected]")
    return el.selection().find("option").index(selected) if selected.size() else -1


def _input_list(el: Element) -> Element | None:
    list_id = attr_string(el, "list")
    if list_id == "" or attr_string(el, "type") in ("hidden", "checkbox", "radio", "file", "button"):
        return None
    found = _document_find(el, f'datalist[id="{list_id}"]')
    return _element_of(el, found.eq(0)) if found.size() else None


def _label_control(el: Element) -> Element | None:
    target = el.selection().attr("for")
    if target is None:
        return None
    found = _document_find(el, "#" + str(target))
    return _element_of(el, found.eq(0)) if found.size() else None


def _map_images(el: Element) -> list[Element]:
    name = el.selection().attr("id")  # k6 looks up "id" twice: a map known by name alone finds nothing
    if name is None:
        return []
    return _elements(el, _document_find(el, f'img[usemap="#{name}"],object[usemap="#{name}"]'))


def _table_child(el: Element, tag: str) -> Element | None:
    return _element_of(el, el.selection().children(tag))


def _index_within(el: Element, ancestor: str, selector: str) -> int:
    holder = el.selection().parents(ancestor)
    return _index_in(holder, selector, el) if holder.size() else -1


def _text(el: Element) -> str:
    return el.text_content()


def _rel_list(el: Element) -> list[str]:
    value = attr_string(el, "rel")
    return value.split(" ") if value else []


_HANDWRITTEN: dict[str, dict[str, Accessor]] = {
    "HrefElement": {
        "hash": lambda el: "#" + go_string(f) if (f := _href(el).fragment) else "",
        "host": _host,
        "hostname": _hostname,
        "port": _port,
        "username": lambda el: go_string(_href(el).username or b""),
        "password": lambda el: go_string(_href(el).password or b""),
        "origin": _origin,
        "pathname": lambda el: go_string(_href(el).path),
        "protocol": lambda el: _href(el).scheme or ":",
        "rel_list": _rel_list,
        "search": lambda el: "?" + go_string(q) if (q := _href(el).raw_query) else "",
        "text": _text,
    },
    "FormFieldElement": {
        "form": _owner_form_element,
        "form_action": _form_action,
        "form_enctype": _form_enctype,
        "form_method": lambda el: "post" if (_form_or_element_attr(el, "method") or "").lower() == "post" else "get",
        "form_no_validate": lambda el: _form_or_element_attr(el, "novalidate") is not None,
        "form_target": lambda el: _form_or_element_attr(el, "target") or "",
        "labels": _labels,
        "name": lambda el: attr_string(el, "name"),
    },
    "ButtonElement": {"value": lambda el: value_or_html(el.selection())},
    "CanvasElement": {"width": lambda el: attr_int(el, "width", 150), "height": lambda el: attr_int(el, "height", 150)},
    "DataListElement": {"options": lambda el: _elements(el, el.selection().find("option"))},
    "FieldSetElement": {
        "form": lambda el: None if (form := owner_form(el)) is None else _element_of(el, form),
        "type": lambda el: "fieldset",
        "elements": lambda el: _elements(el, el.selection().find("input,select,button,textarea")),
        "validity": lambda el: None,
    },
    "FormElement": {
        "elements": lambda el: _elements(el, el.selection().find("input,select,button,textarea,fieldset")),
        "length": lambda el: el.selection().find("input,select,button,textarea,fieldset").size(),
        "method": lambda el: "post" if attr_string(el, "method") == "post" else "get",
    },
    "InputElement": {"list": _input_list},
    "KeygenElement": {"form": _owner_form_element, "labels": _labels},
    "LabelElement": {"control": _label_control, "form": _owner_form_element},
    "LegendElement": {"form": _owner_form_element},
    "LinkElement": {"rel_list": _rel_list},
    "MapElement": {"areas": lambda el: _elements(el, el.selection().find("area")), "images": _map_images},
    "MeterElement": {"labels": _labels},
    "ObjectElement": {"form": _owner_form_element},
    "OptionElement": {
        "disabled": _option_disabled,
        "form": _option_form,
        "index": _option_index,
        "label": lambda el: label if (label := el.selection().attr("label")) is not None else el.text_content(),
        "text": _text,
        "value": lambda el: value_or_html(el.selection()),
    },
    "OutputElement": {"form": _owner_form_element, "labels": _labels, "value": _text, "default_value": _text},
    "ProgressElement": {
        "max": _progress_max,
        "value": lambda el: _progress(el, 0.0),
        "position": lambda el: _progress(el, -1.0),
        "labels": _labels,
    },
    "ScriptElement": {"text": _text},
    "SelectElement": {
        "form": _owner_form_element,
        "labels": _labels,
        "length": lambda el: el.selection().find("option").size(),
        "options": lambda el: _elements(el, el.selection().find("option")),
        "selected_index": _selected_index,
        "selected_options": lambda el: _elements(el, el.selection().find("option[selected]")),
        "size": lambda el: 4 if attr_present(el, "multiple") else 1,
        "type": lambda el: "select-multiple" if attr_present(el, "multiple") else "select",
        "value": lambda el: value_or_html(s.first()) if (s := el.selection().find("option[selected]")).size() else "",
    },
    "StyleElement": {"type": lambda el: attr_string(el, "type") or "text/css"},
    "TableElement": {
        "caption": lambda el: _table_child(el, "caption"),
        "t_head": lambda el: _table_child(el, "thead"),
        "t_foot": lambda el: _table_child(el, "tfoot"),
        "rows": lambda el: _elements(el, el.selection().find("tr")),
        "t_bodies": lambda el: _elements(el, el.selection().find("tbody")),
    },
    "TableSectionElement": {"rows": lambda el: _elements(el, el.selection().find("tr"))},
    "TableCellElement": {"cell_index": lambda el: _index_within(el, "tr", "th,td")},
    "TableRowElement": {
        "cells": lambda el: _elements(el, el.selection().find("th,td")),
        "row_index": lambda el: _index_within(el, "table", "tr"),
        "section_row_index": lambda el: _index_within(el, "thead,tbody,tfoot", "tr"),
    },
    "TextAreaElement": {
        "form": _owner_form_element,
        "length": lambda el: len(attr_string(el, "value").encode()),
        "labels": _labels,
    },
    "TableColElement": {"span": lambda el: max(attr_int(el, "span", 1), 1)},
    "MediaElement": {"text_tracks": lambda el: _elements(el, el.selection().find("track"))},
    "TitleElement": {"text": _text},
}

_TABLE: dict[str, dict[str, Accessor]] = {}
for _type, _method, _attr, _kind, _arg in _GENERATED:
    _TABLE.setdefault(_type, {})[snake(_method)] = _generated(_kind, _attr, _arg)
for _type, _accessors in _HANDWRITTEN.items():
    _TABLE.setdefault(_type, {}).update(_accessors)


def lookup(k6_type: str, name: str) -> Accessor | None:
    """The property `name` of a k6 element type, searched from the type up through its embedded bases."""
    current: str | None = k6_type
    while current is not None:
        accessor = _TABLE.get(current, {}).get(name)
        if accessor is not None:
            return accessor
        current = BASES.get(current)
    return None


def names(k6_type: str) -> list[str]:
    """Every tag-specific property of a type (for a binding that needs to list them)."""
    found: list[str] = []
    current: str | None = k6_type
    while current is not None:
        found.extend(name for name in _TABLE.get(current, {}) if name not in found)
        current = BASES.get(current)
    return found
