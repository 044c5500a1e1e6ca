"""k6/html against the real k6: the same call chains on the same documents, results compared exactly.

A chain is written once as steps (`("find", "li"), ("eq", 1), ("text",)`) and rendered both as JS for k6
and as Python calls; Selections and Elements are summarised the same way on both sides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from loadpy.k6lib.errors import K6Error
from loadpy.k6lib.html import Attribute, Element, Selection, parse_html
from tests.unit.k6lib.oracle import compare, k6_eval

DOCS = [
    """<!DOCTYPE html><html lang="en"><head><title>T &amp; t</title><style>p > b { x: "y" }</style>
<script>if (a < b && c > d) { s = '<p>'; }</script></head>
<body class="main page">
  <div id="top" class="box first" data-id="42" data-user-id="7" data-flag="true" data-obj='{"a": [1, 2]}'
       data-float="1.50" data-num="1.5" data-empty="" data-nil="null" data-str="hello world" data-x-url-path="p">
    <h1 id="title">Héllo &lt;world&gt; &amp; "friends" &#39;x&#39;</h1>
    <!-- a comment -->
    <ul id="list">
      <li class="item odd" id="i1">one</li>
      <li class="item even" id="i2">two <b>bold</b> <i>it</i></li>
      <li class="item odd special" id="i3">three</li>
      <li class="item even" id="i4"><a href="/next?a=1&amp;b=2" title='say "hi"'>four</a></li>
    </ul>
    <p id="para">text<br>after break<img src="x.png" alt="an 'image'"><input type="text" value="v"></p>
    <pre id="pre">
  indented
line</pre>
    <textarea id="ta">
raw &lt;text&gt;</textarea>
  </div>
  <div id="bottom" class="box"><span>s1</span>tail text<span>s2</span><span class="last">s3</span></div>
  <table id="tbl"><tr><td>c1</td><td>c2</td></tr><tr><td>c3</td></tr></table>
  <svg id="svg" viewBox="0 0 10 10"><circle r="1"/><style>a<b</style><foreignObject><p id="fp">in <b>x</b></p>
  </foreignObject><title>t<i id="ti">i</i></title></svg>
  <math id="math"><mi>x<span id="ms">s</span></mi><mo>+</mo></math>
  <svg><a id="xl" xml:lang="fr" lang="de" xlink:href="#x" xlink:title="t" data-n="1"><text>t</text></a></svg>
  <p id="hx" xlink:href="h" xml:lang="en">html element</p>
</body></html>""",
    """<form id="f1" action="/post">
  <input name="user" value="bob"><input name="user" value="alice">
  <input name="empty"><input type="checkbox" name="c1" checked="checked"><input type="checkbox" name="c2" checked>
  <input type="checkbox" name="c3"><input type="radio" name="r" value="r1">
  <input type="radio" name="r" value="r2" checked="checked">
  <input type="submit" name="go" value="Go"><input type="file" name="up">
  <input name="dis" disabled="disabled" value="d">
  <input name="dis2" disabled value="d2"><input name="" value="noname"><input name="sp ace" value="a b&c">
  <select name="one"><option value="1">One</option><option selected>Two &amp; 2</option></select>
  <select name="none"><option value="a">A</option></select>
  <select name="many" multiple><option value="m1" selected>M1</option><option selected>M&lt;2</option>
  <option>M3</option></select>
  <textarea name="ta">line1
&lt;line2&gt;</textarea>
  <button name="btn" value="b">Press</button><button name="btn2">Press2</button>
  <input type="checkbox" name="cb">
</form>
<input name="outside" value="o" form="f1">""",
    "<p>one<p>two<div>three</table><b><i>mis</b>nested</i><li>loose",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><p>',
    "<!doctype HTML SYSTEM 'about:legacy-compat'>",
    """<!-- first --><!DOCTYPE   Html  public "a'b"  'c"d'>""",
    "<!DOCTYPE html PUBLIC><p>",
    "<!DOCTYPE><title>t</title>",
    "<p id=a title='x&#13;y\u00a0z'>line1\r\nline2\rline3&#13;&nbsp;\u00a0\u0000é&amp;&lt;&quot;&apos;</p>"
    "<pre>\r\nx</pre>",
]


def Sel(selector: str) -> dict[str, str]:
    """An argument meaning `doc.find(selector)` (a Selection of the same document)."""
    return {"sel": selector}


def El(selector: str) -> dict[str, str]:
    """An argument meaning `doc.find(selector).get(0)` (an Element)."""
    return {"el": selector}


# Callbacks used by filter/not/is/map/each, in both languages.
CALLBACKS: dict[str, tuple[str, Callable[..., Any]]] = {
    "odd-index": ("(i, s) => i % 2 === 1", lambda i, s: i % 2 == 1),
    "long-text": ("(i, s) => s.text().length > 3", lambda i, s: len(s.text()) > 3),
    "index-text": ("(i, s) => i + ':' + s.text()", lambda i, s: f"{i}:{s.text()}"),
    "throw-on-1": (
        "(i, s) => { if (i === 1) throw new Error('no'); return s.attr('id'); }",
        lambda i, s: (_ for _ in ()).throw(RuntimeError("no")) if i == 1 else s.attr("id"),
    ),
}


def Fn(name: str) -> dict[str, str]:
    return {"fn": name}


Step = tuple[Any, ...]
CHAINS: list[tuple[int, list[Step]]] = [
    (0, [("find", "li")]),
    (0, [("find", "li.odd")]),
    (0, [("find", "ul li:nth-child(2) b")]),
    (0, [("find", "#top"), ("find", "div li")]),
    (0, [("find", "li"), ("find", "b, i")]),
    (0, [("find", "li"), ("eq", 1), ("text",)]),
    (0, [("find", "li"), ("eq", -1), ("html",)]),
    (0, [("find", "li"), ("eq", 9), ("size",)]),
    (0, [("find", "#top"), ("text",)]),
    (0, [("find", "#top"), ("html",)]),
    (0, [("find", "head"), ("html",)]),
    (0, [("find", "#bottom"), ("html",)]),
    (0, [("find", "#tbl"), ("html",)]),
    (0, [("find", "#svg"), ("html",)]),
    (0, [("find", "body"), ("text",)]),
    (0, [("html",)]),
    (0, [("find", "#pre"), ("html",)]),
    (0, [("find", "#pre"), ("text",)]),
    (0, [("find", "#para"), ("html",)]),
    (0, [("find", "a"), ("attr", "href")]),
    (0, [("find", "a"), ("attr", "title")]),
    (0, [("find", "a"), ("attr", "missing")]),
    (0, [("find", "a"), ("attr", "missing", "dflt")]),
    (0, [("find", "nothing"), ("attr", "id")]),
    (0, [("find", "nothing"), ("text",)]),
    (0, [("find", "nothing"), ("html",)]),
    (0, [("find", "li"), ("children",)]),
    (0, [("find", "li"), ("children", "b")]),
    (0, [("find", "#bottom"), ("contents",)]),
    (0, [("find", "b"), ("parent",)]),
    (0, [("find", "li"), ("parent",)]),
    (0, [("find", "b"), ("parents",)]),
    (0, [("find", "b"), ("parents", "div")]),
    (0, [("find", "b"), ("parents_until", "body")]),
    (0, [("find", "b"), ("parents_until", "body", "ul")]),
    (0, [("find", "b"), ("parents_until", Sel("#top"))]),
    (0, [("find", "b"), ("closest", "li")]),
    (0, [("find", "b"), ("closest", "b")]),
    (0, [("find", "li"), ("closest", Sel("#list"))]),
    (0, [("find", "#i1"), ("next",)]),
    (0, [("find", "li"), ("next", ".odd")]),
    (0, [("find", "#i1"), ("next_all",)]),
    (0, [("find", "#i1"), ("next_all", ".even")]),
    (0, [("find", "#i1"), ("next_until", "#i4")]),
    (0, [("find", "#i1"), ("next_until", Sel("#i3"))]),
    (0, [("find", "#i1"), ("next_until",)]),
    (0, [("find", "#i1"), ("next_until", None, ".even")]),
    (0, [("find", "#i4"), ("prev",)]),
    (0, [("find", "#i4"), ("prev_all",)]),
    (0, [("find", "#i4"), ("prev_all", ".odd")]),
    (0, [("find", "#i4"), ("prev_until", "#i1")]),
    (0, [("find", "#i2"), ("siblings",)]),
    (0, [("find", "#i2"), ("siblings", ".odd")]),
    (0, [("find", "li"), ("filter", ".odd")]),
    (0, [("find", "li"), ("filter", Sel("#i2"))]),
    (0, [("find", "li"), ("filter", Fn("odd-index"))]),
    (0, [("find", "li"), ("filter", Fn("long-text"))]),
    (0, [("find", "li"), ("not_", ".odd")]),
    (0, [("find", "li"), ("not_", Sel(".special"))]),
    (0, [("find", "li"), ("not_", El("#i2"))]),
    (0, [("find", "li"), ("not_", Fn("odd-index"))]),
    (0, [("find", "li"), ("is_", ".special")]),
    (0, [("find", "li"), ("is_", "p")]),
    (0, [("find", "li"), ("is_", Sel("#i4"))]),
    (0, [("find", "li"), ("is_", Fn("long-text"))]),
    (0, [("find", "li"), ("filter", 5)]),
    (0, [("find", "li"), ("is_", 5)]),
    (0, [("find", "li"), ("closest", 5)]),
    (0, [("find", "li"), ("find", El("b"))]),
    (0, [("find", "li"), ("closest", El("#list"))]),
    (0, [("find", "b"), ("closest", El("#top"))]),
    (0, [("find", "li"), ("has", El("b"))]),
    (0, [("find", "b"), ("add", El("#top"))]),
    (0, [("find", "li"), ("has", "b")]),
    (0, [("find", "li"), ("has", Sel("a"))]),
    (0, [("find", "li"), ("first",)]),
    (0, [("find", "li"), ("last",)]),
    (0, [("find", "li"), ("slice", 1)]),
    (0, [("find", "li"), ("slice", 1, 3)]),
    (0, [("find", "li"), ("slice", -2)]),
    (0, [("find", "li"), ("slice", 0, 10)]),
    (0, [("find", "li"), ("map", Fn("index-text"))]),
    (0, [("find", "li"), ("map", Fn("throw-on-1"))]),
    (0, [("find", "li"), ("to_array",)]),
    (0, [("find", "li"), ("get",)]),
    (0, [("find", "li"), ("get", 1)]),
    (0, [("find", "li"), ("get", -1)]),
    (0, [("find", "li"), ("get", 4)]),
    (0, [("find", "li"), ("eq", 1), ("find", "b"), ("end",)]),
    (0, [("find", "li"), ("add", "h1")]),
    (0, [("find", "li"), ("add", Sel("#para"))]),
    (0, [("find", "#i3"), ("index",)]),
    (0, [("find", "#i3"), ("index", "li")]),
    (0, [("find", "li"), ("index", Sel("#i2"))]),
    (0, [("find", "li"), ("index", El("#i4"))]),
    (0, [("find", "#top"), ("data",)]),
    (0, [("find", "#top"), ("data", "id")]),
    (0, [("find", "#top"), ("data", "userID")]),
    (0, [("find", "#top"), ("data", "xURLPath")]),
    (0, [("find", "#top"), ("data", "nope")]),
    (0, [("find", "#top"), ("data", "float")]),
    (0, [("find", "#xl"), ("data",)]),
    (0, [("find", "#xl"), ("attr", "href")]),
    (0, [("find", "svg a"), ("parent",), ("html",)]),
    (0, [("find", "#list"), ("data",)]),
    (0, [("find", "li:first-child, li:last-child")]),
    (0, [("find", "li:not(.odd)")]),
    (0, [("find", "[title]")]),
    (0, [("find", "a[href^='/next']")]),
    (0, [("find", "div > ul > li + li")]),
    (0, [("find", "li ~ li.special")]),
    (0, [("find", "[[invalid")]),
    (0, [("find", "li:contains('BOLD')")]),
    (0, [("find", "li:contains(bold)")]),
    (0, [("find", 'li:containsOwn("two")')]),
    (0, [("find", "li:containsOwn(bold)")]),
    (0, [("find", ':contains("four")')]),
    (0, [("find", "#list :contains(o)")]),
    (0, [("find", "#list > li.item:contains(t):contains(w)")]),
    (0, [("find", "li"), ("filter", ":contains(e)")]),
    (0, [("find", "b"), ("closest", "li:contains(two)")]),
    (0, [("find", "li"), ("is_", ":containsOwn(four)")]),
    (0, [("find", "td")]),
    (0, [("find", "tbody > tr")]),
    (0, [("find", "circle")]),
    (0, [("find", "title"), ("text",)]),
    (0, [("find", "script"), ("text",)]),
    (0, [("find", "script"), ("html",)]),
    (0, [("find", "style"), ("html",)]),
    (0, [("find", "input"), ("val",)]),
    (0, [("find", "#ta"), ("val",)]),
    (0, [("find", "li"), ("val",)]),
    (1, [("find", "form"), ("serialize",)]),
    (1, [("find", "form"), ("serialize_array",)]),
    (1, [("find", "form"), ("serialize_object",)]),
    (1, [("find", "input"), ("serialize",)]),
    (1, [("find", "select"), ("serialize_array",)]),
    (1, [("find", "select"), ("eq", 0), ("val",)]),
    (1, [("find", "select"), ("eq", 1), ("val",)]),
    (1, [("find", "select"), ("eq", 2), ("val",)]),
    (1, [("find", "option"), ("eq", 1), ("val",)]),
    (1, [("find", "button"), ("eq", 1), ("val",)]),
    (1, [("find", "[type=checkbox]"), ("val",)]),
    (1, [("find", "textarea"), ("val",)]),
    (2, [("html",)]),
    (2, [("find", "p")]),
    (2, [("find", "body"), ("children",)]),
    (2, [("find", "i")]),
    (3, [("html",)]),
    (4, [("html",)]),
    (5, [("html",)]),
    (5, [("contents",)]),
    (6, [("html",)]),
    (7, [("find", "head"), ("html",)]),
    (8, [("find", "body"), ("html",)]),
    (8, [("find", "p"), ("text",)]),
    (8, [("find", "p"), ("attr", "title")]),
    (8, [("find", "pre"), ("text",)]),
]

ELEMENT_CHAINS: list[tuple[int, str, list[Step]]] = [
    (0, "#i2", [("node_name",)]),
    (0, "#i2", [("node_type",)]),
    (0, "#i2", [("text_content",)]),
    (0, "#i2", [("inner_html",)]),
    (0, "#i2", [("id",)]),
    (0, "#i2", [("class_name",)]),
    (0, "#i2", [("class_list",)]),
    (0, "#i2", [("get_attribute", "class")]),
    (0, "#i2", [("get_attribute", "nope")]),
    (0, "#i2", [("has_attribute", "id")]),
    (0, "#i2", [("has_attributes",)]),
    (0, "#i2", [("has_child_nodes",)]),
    (0, "#i2", [("child_element_count",)]),
    (0, "#i2", [("children",)]),
    (0, "#i2", [("child_nodes",)]),
    (0, "#i2", [("first_child",)]),
    (0, "#i2", [("last_child",)]),
    (0, "#i2", [("first_element_child",)]),
    (0, "#i2", [("last_element_child",)]),
    (0, "#i2", [("previous_sibling",)]),
    (0, "#i2", [("next_sibling",)]),
    (0, "#i2", [("previous_element_sibling",)]),
    (0, "#i2", [("next_element_sibling",)]),
    (0, "#i1", [("previous_element_sibling",)]),
    (0, "#i2", [("parent_node",)]),
    (0, "#i2", [("parent_element",)]),
    (0, "html", [("parent_node",)]),
    (0, "html", [("parent_element",)]),
    (0, "#i2", [("owner_document",)]),
    (0, "#i2", [("to_string",)]),
    (0, "#i2", [("first_child",), ("to_string",)]),
    (0, "#i2", [("first_child",), ("node_value",)]),
    (0, "#i2", [("node_value",)]),
    (0, "#top", [("child_nodes",)]),
    (0, "#list", [("query_selector", ".even")]),
    (0, "#list", [("query_selector", ".nothing")]),
    (0, "#list", [("query_selector_all", ".even")]),
    (0, "#list", [("get_elements_by_class_name", "odd")]),
    (0, "#list", [("get_elements_by_tag_name", "li")]),
    (0, "#list", [("matches", "ul#list")]),
    (0, "#list", [("matches", "li")]),
    (0, "#list", [("contains", El("#i3"))]),
    (0, "#list", [("contains", El("#list"))]),
    (0, "#i3", [("contains", El("#list"))]),
    (0, "#i1", [("is_same_node", El("li"))]),
    (0, "#i1", [("is_same_node", El("#i2"))]),
    (0, "#i1", [("is_equal_node", El("#i3"))]),
    (0, "html", [("lang",)]),
    (0, "body", [("lang",)]),
    (0, "#i1", [("namespace_uri",)]),
    (0, "#i1", [("is_default_namespace",)]),
    (0, "circle", [("namespace_uri",)]),
    (0, "circle", [("is_default_namespace",)]),
    (0, "#svg", [("namespace_uri",)]),
    (0, "#fp", [("namespace_uri",)]),
    (0, "#ti", [("namespace_uri",)]),
    (0, "#math", [("namespace_uri",)]),
    (0, "mo", [("namespace_uri",)]),
    (0, "#ms", [("namespace_uri",)]),
    (0, "#svg", [("inner_html",)]),
    (0, "#xl", [("attributes",)]),
    (0, "#xl", [("get_attribute", "href")]),
    (0, "#xl", [("get_attribute", "xlink:href")]),
    (0, "#xl", [("get_attribute_node", "href")]),
    (0, "#xl", [("lang",)]),
    (0, "#xl", [("has_attribute", "title")]),
    (0, "#hx", [("get_attribute", "xlink:href")]),
    (0, "#hx", [("attributes",)]),
    (0, "#hx", [("lang",)]),
    (0, "#math", [("inner_html",)]),
    (0, "br", [("has_child_nodes",)]),
    (0, "#top", [("attributes",)]),
    (0, "a", [("get_attribute_node", "href")]),
    (0, "a", [("get_attribute_node", "nope")]),
]

PREAMBLE = (
    "import { parseHTML } from 'k6/html';\n"
    f"const SRC = {json.dumps(DOCS)};\n"
    """
function summary(v) {
  if (v && typeof v.find === 'function' && typeof v.toArray === 'function')
    return { sel: v.toArray().map((s) => [s.get(0).nodeName(), s.text()]) };
  if (v && typeof v.nodeName === 'function') return { el: [v.nodeName(), v.textContent(), v.nodeType()] };
  if (v && typeof v.owner_element === 'object' && 'value' in v)
    return { attr: [v.name, v.value, v.prefix(), v.namespaceURI(), v.localName(), summary(v.owner_element)] };
  if (Array.isArray(v)) return v.map(summary);
  if (v && typeof v === 'object') { const o = {}; for (const k of Object.keys(v)) o[k] = summary(v[k]); return o; }
  return v;
}
"""
)


JS_NAMES = {"inner_html": "innerHTML", "namespace_uri": "namespaceURI"}


def _camel(name: str) -> str:
    if name in JS_NAMES:
        return JS_NAMES[name]
    name = name.rstrip("_")
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _js_arg(arg: Any) -> str:
    if isinstance(arg, dict) and "sel" in arg:
        return f"doc.find({json.dumps(arg['sel'])})"
    if isinstance(arg, dict) and "el" in arg:
        return f"doc.find({json.dumps(arg['el'])}).get(0)"
    if isinstance(arg, dict) and "fn" in arg:
        return CALLBACKS[arg["fn"]][0]
    return json.dumps(arg)


def _py_arg(doc: Selection, arg: Any) -> Any:
    if isinstance(arg, dict) and "sel" in arg:
        return doc.find(arg["sel"])
    if isinstance(arg, dict) and "el" in arg:
        return doc.find(arg["el"]).get(0)
    if isinstance(arg, dict) and "fn" in arg:
        return CALLBACKS[arg["fn"]][1]
    return arg


def _js_chain(start: str, steps: list[Step]) -> str:
    return start + "".join(f".{_camel(name)}({', '.join(_js_arg(a) for a in args)})" for name, *args in steps)


def _run_py(doc: Selection, start: Any, steps: list[Step]) -> Any:
    value = start
    for name, *args in steps:
        value = getattr(value, name)(*(_py_arg(doc, a) for a in args))
    return _summary(value)


def _summary(value: Any) -> Any:
    if isinstance(value, Selection):
        return {"sel": [[s.get(0).node_name(), s.text()] for s in value.to_array()]}  # type: ignore[union-attr]
    if isinstance(value, Element):
        return {"el": [value.node_name(), value.text_content(), value.node_type()]}
    if isinstance(value, Attribute):
        attr = [value.name, value.value, value.prefix, value.namespace_uri(), value.local_name()]
        return {"attr": [*attr, _summary(value.owner_element)]}
    if isinstance(value, list):
        return [_summary(v) for v in value]
    if isinstance(value, dict):  # JSON.stringify leaves out members that are undefined
        return {k: _summary(v) for k, v in value.items() if v is not None}
    return value


def _cases() -> tuple[dict[str, str], dict[str, Callable[[], Any]]]:
    js: dict[str, str] = {}
    py: dict[str, Callable[[], Any]] = {}
    for i, (doc_index, steps) in enumerate(CHAINS):
        name = f"{i}: {_js_chain('doc', steps)}"
        js[name] = (
            f"(() => {{ const doc = parseHTML(SRC[{doc_index}]); return summary({_js_chain('doc', steps)}); }})()"
        )
        py[name] = lambda d=doc_index, s=steps: _run_chain(d, s)
    for i, (doc_index, selector, steps) in enumerate(ELEMENT_CHAINS):
        start = f"doc.find({json.dumps(selector)}).get(0)"
        name = f"el{i}: {_js_chain(start, steps)}"
        js[name] = (
            f"(() => {{ const doc = parseHTML(SRC[{doc_index}]); return summary({_js_chain(start, steps)}); }})()"
        )
        py[name] = lambda d=doc_index, sel=selector, s=steps: _run_element(d, sel, s)
    return js, py


def _run_chain(doc_index: int, steps: list[Step]) -> Any:
    doc = parse_html(DOCS[doc_index])
    return _run_py(doc, doc, steps)


def _run_element(doc_index: int, selector: str, steps: list[Step]) -> Any:
    doc = parse_html(DOCS[doc_index])
    return _run_py(doc, doc.find(selector).get(0), steps)


def test_html_matches_k6() -> None:
    js, py = _cases()
    compare(k6_eval(PREAMBLE, js), py)


@pytest.mark.parametrize("selector", ["li:contains('two') b", "li:contains(x), p", "li:matches(t.o)", "p:haschild(b)"])
def test_cascadia_extensions_loadpy_cannot_evaluate_are_refused_not_silently_empty(selector: str) -> None:
    doc = parse_html(DOCS[0])
    with pytest.raises(K6Error, match="cascadia extension"):
        doc.find(selector)
