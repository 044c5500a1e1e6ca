"""Every tag-specific Element property k6 has, against the real k6, on a parsed string (no URL) and on a
response's page (links resolved against the response URL)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from loadpy.k6lib.html import Element, Selection, parse_html, typed
from tests.unit.k6lib.echo_server import echo_server
from tests.unit.k6lib.oracle import compare, k6_eval

PAGE = """<!DOCTYPE html><html><head><base href="/base/" target="_top"><title> Page  title </title>
<link rel="stylesheet alternate" href="../css/a.css?v=1#x" crossorigin="anonymous" hreflang="en" media="all">
<meta name="viewport" content="width=device-width" http-equiv="refresh"><style type="">p{}</style>
<script src="app.js" async type="module" crossorigin="use-credentials">var a = 1 < 2;</script></head><body>
<a id="a1" href="https://user:p%40ss@Example.COM:443/p/a%20th/../x?q=1&r=%2F#fr%20ag" rel="next  nofollow"
   referrerpolicy="origin" download="f.txt" target="_blank" type="text/html" accesskey="k">link text</a>
<a id="a2" href="rel/path?x#y">rel</a><a id="a3" href="//cdn.example.com:8080/lib.js">proto</a>
<a id="a4">no href</a><a id="a5" href="http://[::1]:80/v6">v6</a><a id="a6" href="mailto:me@x.org">mail</a>
<a id="a7" href="file:///etc/hosts">file</a><a id="a8" href="http://bad host/">bad</a><a id="a9" href="/">root</a>
<area id="ar" href="/area" shape="rect"><map id="m1" name="mapname"><area href="/a1"><area href="/a2"></map>
<img id="im" src="i.png" usemap="#m1" width="100" height="x" alt="pic" ismap crossorigin="bogus" srcset="a 1x">
<object id="ob" data="obj.swf" usemap="#m1" tabindex="3" typemustmatch width="5"></object>
<audio id="au" src="s.mp3" autoplay loop preload="metadata"><track kind="captions" src="t.vtt" default></audio>
<video id="vi" controls muted preload="bogus" crossorigin></video>
<iframe id="if" src="frame.html" allowfullscreen referrerpolicy="nope" height="10"></iframe>
<embed id="em" src="e.swf" type="x/y" width="1"><canvas id="cv" width="300" height="-5"></canvas>
<form id="f1" action="submit?x=1" method="POST" enctype="multipart/form-data" target="t" novalidate
      autocomplete="off" accept-charset="utf-8" name="main">
  <fieldset id="fs" name="group" disabled><legend id="lg" accesskey="l">Legend</legend>
    <label id="lb1" for="in1">Label one</label><input id="in1" name="user" value="bob" maxlength="20" size="x"
      required autofocus placeholder="name" type="email" list="dl" tabindex="+4" min="1" max="9" step="2">
  </fieldset>
  <label id="lb2">Wrapped <input id="in2" type="checkbox" checked formaction="other" formmethod="get"
      formenctype="text/plain" formtarget="ft" formnovalidate></label>
  <button id="bt" type="reset" disabled>Button &amp; text</button><button id="bt2" value="v" type="bogus">B</button>
  <select id="se" name="pick" multiple required tabindex="2"><optgroup label="G" disabled>
    <option id="op1" value="1" selected>One</option></optgroup>
    <option id="op2" label="Two label" selected>Two &lt;2&gt;</option><option id="op3" disabled>Three</option>
  </select>
  <select id="se2"><option>Only</option></select>
  <textarea id="ta" name="msg" rows="3" cols="x" maxlength="9" readonly wrap="hard" value="ignored">Some text</textarea>
  <output id="out" for="in1 in2" name="result">42</output><keygen id="kg" keytype="EC" name="key">
  <meter id="me" min="1" max="10" low="2" high="8" optimum="5" value="3"></meter>
  <progress id="pr" max="50" value="10"></progress><progress id="pr2" value="-1"></progress>
</form>
<input id="in3" form="f1" name="outside" type="image" src="btn.png" alt="Go">
<datalist id="dl"><option id="dlo" value="x">X</option></datalist>
<ol id="ol" reversed start="3" type="A"><li id="li" value="7" type="square">item</li></ol>
<ul id="ul" type="disc"><li id="li2" value="x">i2</li></ul>
<table id="tb" sortable><caption id="cap">Cap</caption><thead id="th"><tr id="tr0"><th id="thc" scope="col"
  abbr="h" colspan="2" sorted>H</th></tr></thead><tbody id="tbo"><tr id="tr1"><td id="td1">1</td><td id="td2"
  rowspan="0" headers="thc">2</td></tr><tr id="tr2"><td>3</td></tr></tbody><tfoot id="tf"><tr><td>f</td></tr></tfoot>
  <colgroup><col id="col" span="0"></colgroup></table>
<del id="del" cite="why.html" datetime="2020-01-01">old</del><ins id="ins" cite="c">new</ins>
<q id="q" cite="src">quote</q><quote id="qu" cite="qsrc">q2</quote><time id="tm" datetime="2021">t</time>
<data id="da" value="77">seventy</data><pre id="pre" name="pn" value="pv">pre</pre>
<param id="pa" name="pn" value="pv"><source id="so" src="v.mp4" type="video/mp4" media="m" sizes="s" srcset="x">
</body></html>"""

# One element per k6 type (by id, or by tag when it has no id).
SELECTORS = {
    "AnchorElement": ["#a1", "#a2", "#a3", "#a4", "#a5", "#a6", "#a7", "#a8", "#a9"],
    "AreaElement": ["#ar"], "AudioElement": ["#au"], "VideoElement": ["#vi"], "BaseElement": ["base"],
    "ButtonElement": ["#bt", "#bt2"], "CanvasElement": ["#cv"], "DataElement": ["#da"],
    "DataListElement": ["#dl"], "DelElement": ["#del"], "InsElement": ["#ins"], "EmbedElement": ["#em"],
    "FieldSetElement": ["#fs"], "FormElement": ["#f1"], "IFrameElement": ["#if"], "ImageElement": ["#im"],
    "InputElement": ["#in1", "#in2", "#in3"], "KeygenElement": ["#kg"], "LabelElement": ["#lb1", "#lb2"],
    "LegendElement": ["#lg"], "LiElement": ["#li", "#li2"], "LinkElement": ["link"], "MapElement": ["#m1"],
    "MetaElement": ["meta"], "MeterElement": ["#me"], "ObjectElement": ["#ob"], "OListElement": ["#ol"],
    "OptGroupElement": ["optgroup"], "OptionElement": ["#op1", "#op2", "#op3", "#dlo"],
    "OutputElement": ["#out"], "ParamElement": ["#pa"], "PreElement": ["#pre"],
    "ProgressElement": ["#pr", "#pr2"], "QuoteElement": ["#qu"], "ScriptElement": ["script"],
    "SelectElement": ["#se", "#se2"], "SourceElement": ["#so"], "StyleElement": ["style"],
    "TableElement": ["#tb"], "TableBodyElement": ["#tbo"], "TableHeadElement": ["#th"], "TableFootElement": ["#tf"],
    "TableRowElement": ["#tr1", "#tr2"], "TableColElement": ["#col"], "TableDataCellElement": ["#td1", "#td2"],
    "TableHeaderCellElement": ["#thc"], "TextAreaElement": ["#ta"], "TimeElement": ["#tm"],
    "TitleElement": ["title"], "TrackElement": ["track"], "UListElement": ["#ul"],
}  # fmt: skip

PREAMBLE = """
import http from 'k6/http';
import { parseHTML } from 'k6/html';
function summary(v) {
  if (v && typeof v.nodeName === 'function') return { el: [v.nodeName(), v.textContent()] };
  if (Array.isArray(v)) return v.map(summary);
  return v;
}
"""


def _js_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _summary(value: Any) -> Any:
    if isinstance(value, Element):
        return {"el": [value.node_name(), value.text_content()]}
    if isinstance(value, list):
        return [_summary(v) for v in value]
    return value


def _cases(doc_js: str, doc: Callable[[], Selection]) -> tuple[dict[str, str], dict[str, Callable[[], Any]]]:
    js: dict[str, str] = {}
    py: dict[str, Callable[[], Any]] = {}
    for k6_type, selectors in SELECTORS.items():
        for selector in selectors:
            element = doc().find(selector).get(0)
            assert isinstance(element, Element) and element.k6_type == k6_type, (selector, element)
            for name in typed.names(k6_type):
                case = f"{selector}.{_js_name(name)}()"
                js[case] = f"summary({doc_js}.find({json.dumps(selector)}).get(0).{_js_name(name)}())"
                py[case] = lambda s=selector, n=name: _summary(getattr(doc().find(s).get(0), n)())
    return js, py


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    with echo_server(PAGE) as base:
        yield base + "dir/page.html?from=test"


def test_element_properties_of_a_parsed_string_match_k6() -> None:
    doc = parse_html(PAGE)
    js, py = _cases("DOC", lambda: doc)
    compare(k6_eval(PREAMBLE + f"const DOC = parseHTML({json.dumps(PAGE)});", js), py)


def test_element_properties_of_a_response_page_match_k6(page_url: str) -> None:
    """A response's document knows its URL: links, actions and sources come out absolute."""
    doc = parse_html(PAGE, page_url)
    js, py = _cases("page()", lambda: doc)
    preamble = (
        PREAMBLE
        + f"let cached; function page() {{ return cached || (cached = http.get({json.dumps(page_url)}).html()); }}"
    )
    compare(k6_eval(preamble, js), py)
