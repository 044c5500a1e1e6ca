"""k6/encoding, k6/crypto, k6/html, the pure parts of k6/http and cookie jars in k6 scripts: the same
script runs through the real k6 binary and through loadpy, and what it logs must be the same lines
(the rule of tests/unit/k6lib/oracle.py, applied to whole scripts)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from loadpy.demo import DemoServer
from tests.unit.k6lib.oracle import k6_binary

REPO = Path(__file__).resolve().parents[2]


def logged(command: list[str], script: Path) -> list[str]:
    """The lines a script logs (console.* with --log-format raw), and the exit code as the last line."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [*command, "run", "-q", "--no-summary", "--address", "", "--log-format", "raw", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=script.parent,
    )
    return [*(proc.stdout + proc.stderr).splitlines(), f"exit {proc.returncode}"]


def same_as_k6(tmp_path: Path, source: str) -> list[str]:
    script = tmp_path / "script.js"
    script.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    expected = logged([k6_binary()], script)
    got = logged([sys.executable, "-m", "loadpy"], script)
    assert got == expected
    return got


def test_encoding_and_crypto_as_k6(tmp_path: Path) -> None:
    lines = same_as_k6(
        tmp_path,
        """
        import encoding from 'k6/encoding';
        import crypto from 'k6/crypto';
        import { b64encode } from 'k6/encoding';
        export const options = { iterations: 1 };
        export default function () {
          console.log(encoding.b64encode('hello wörld'), b64encode('hello', 'rawurl'));
          console.log(encoding.b64decode('aGVsbG8=', 'std', 's'));
          const ab = encoding.b64decode('AAEC/w==');
          console.log(ab instanceof ArrayBuffer, ab.byteLength, new Uint8Array(ab).join(','));
          console.log(encoding.b64encode(ab, 'url'));
          console.log(crypto.sha256('hello', 'hex'), crypto.md5(ab, 'base64'), crypto.md4('x', 'hex'));
          console.log(crypto.hmac('sha256', 'key', 'data', 'hex'), crypto.sha512_256('x', 'base64url'));
          const h = crypto.createHash('sha1');
          h.update('a');
          h.update(ab);
          console.log(h.digest('hex'));
          const m = crypto.createHMAC('sha512', 'k');
          m.update('x');
          console.log(m.digest('base64rawurl'));
          console.log(crypto.sha1('x', 'binary').byteLength, crypto.randomBytes(7).byteLength);
          for (const bad of [() => encoding.b64decode('%%%'), () => crypto.hmac('nope', 'k', 'x', 'hex'),
                             () => encoding.b64encode(5), () => crypto.sha1('x')]) {
            try { bad(); } catch (e) { console.log(e.name, e.message); }
          }
        }
        """,
    )
    assert lines[0] == "aGVsbG8gd8O2cmxk aGVsbG8" and lines[-1] == "exit 0"


def test_html_as_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    page = (
        '<html><head><title>T</title></head><body><ul><li class="a">one</li><li>two</li><li class="a">three</li>'
        '</ul><a href="/x?y=1" id="l">link</a><form action="/go"><input name="t" value="v1">'
        '<select name="s"><option value="1" selected>o</option></select></form></body></html>'
    )
    lines = same_as_k6(
        tmp_path,
        f"""
        import {{ parseHTML }} from 'k6/html';
        import http from 'k6/http';
        const PAGE = {page!r};
        export const options = {{ iterations: 1 }};
        export default function () {{
          const doc = parseHTML(PAGE);
          console.log(doc.find('li').size(), doc.find('li.a').text(), doc.find('title').text());
          doc.find('li').each((i, el) => console.log(i, el.nodeName(), el.textContent(), el.className()));
          console.log(JSON.stringify(doc.find('li').map((i, s) => s.text() + i)));
          console.log(doc.find('li').filter('.a').size(), doc.find('li').not('.a').text());
          console.log(doc.find('a').attr('href'), doc.find('input[name=t]').val(), doc.find('a').attr('nope'));
          const el = doc.find('a').get(0);
          console.log(el.nodeName(), el.id(), el.textContent(), String(el));
          console.log(el.node, el.plain, el.k6Type, typeof el.attributes().href.value);  // not k6's API
          const attrs = el.attributes();
          console.log(attrs.href.name, attrs.href.value);
          console.log(doc.find('li').first().text(), doc.find('li').last().text(), doc.find('li').eq(1).text());
          console.log(JSON.stringify(doc.find('form').serializeArray()), doc.find('form').serialize());
          console.log(doc.find('ul').children().size(), doc.find('li.a').next().text());
          const res = http.post('{demo_server.base_url}/echo', PAGE, {{ headers: {{ 'Content-Type': 'text/html' }} }});
          console.log(res.html().find('li').size(), res.html('a').text(), res.html('a').get(0).href());
          const binary = http.post('{demo_server.base_url}/echo', PAGE, {{ responseType: 'binary' }});
          console.log(binary.html('title').text());
          try {{ doc.find('li').each(7); }} catch (e) {{ console.log(e.name, e.message); }}
        }}
        """,
    )
    assert lines[0] == "3 onethree T" and lines[-1] == "exit 0"


def test_http_url_file_and_object_bodies_as_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    lines = same_as_k6(
        tmp_path,
        f"""
        import http from 'k6/http';
        import encoding from 'k6/encoding';
        export const options = {{ iterations: 1 }};
        const BASE = '{demo_server.base_url}';
        export default function () {{
          const id = 42;
          const u = http.url`${{BASE}}/items/${{id}}`;
          console.log(u.name.replace(BASE, 'BASE'), u.url.replace(BASE, 'BASE'), String(u).replace(BASE, 'BASE'));
          const res = http.get(u);
          console.log(res.status, res.json('id'));
          const f = http.file('abc', 'a.txt', 'text/plain');
          console.log(f.data, f.filename, f.content_type);
          console.log(http.file(encoding.b64decode('AAE='), 'b.bin').content_type);
          const form = http.post(`${{BASE}}/echo`, {{ b: ['x', 'y z'], a: 1.5, c: true }});
          console.log(form.body, form.headers['Content-Type']);
          // one part: k6 writes the parts of an object in Go's random map order
          const multi = http.post(`${{BASE}}/echo`, {{ file: http.file('data\\x00\\x01', 'f "1".bin', 'x/y') }});
          const boundary = multi.headers['Content-Type'].split('boundary=')[1];
          console.log(multi.headers['Content-Type'].split(';')[0], boundary.length);
          console.log(JSON.stringify(multi.body.split(boundary).join('B')));
          try {{ http.file(5); }} catch (e) {{ console.log(e.name, e.message); }}
        }}
        """,
    )
    assert lines[-1] == "exit 0"
    assert 'Content-Disposition: form-data; name=\\"file\\"; filename=\\"f \\\\\\"1\\\\\\".bin\\"' in lines[-3]


def test_cookie_jars_as_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    lines = same_as_k6(
        tmp_path,
        f"""
        import http from 'k6/http';
        const BASE = '{demo_server.base_url}';
        // Go map order is random in k6: names sorted before printing
        const show = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
        export const options = {{ iterations: 2 }};
        try {{ http.cookieJar(); }} catch (e) {{ console.log('init', e.name, e.message); }}
        const made = new http.CookieJar(); // allowed in init code, unlike the VU's jar
        made.set('http://a.example/', 'k', 'v');
        console.log('init jar', JSON.stringify(made.cookiesForURL('http://a.example/')));
        export default function () {{
          const jar = http.cookieJar();
          console.log('start', show(jar.cookiesForURL(BASE)));
          const res = http.get(`${{BASE}}/cookies/set?a=1&b=2`);
          console.log(show(res.cookies));
          console.log(show(jar.cookiesForURL(BASE + '/')));
          jar.set(BASE, 'c', '3', {{ path: '/x', http_only: true }});
          jar.set('http://other.example/', 'd', '4');
          console.log(show(jar.cookiesForURL(BASE + '/x/y')), show(jar.cookiesForURL(BASE + '/')));
          jar.delete(BASE, 'a');
          console.log(show(jar.cookiesForURL(BASE + '/x')));
          jar.clear(BASE + '/x/');
          console.log(show(jar.cookiesForURL(BASE + '/x/z')));
          const mine = new http.CookieJar();
          mine.set(BASE, 'm', 'v');
          console.log(http.get(`${{BASE}}/cookies`, {{ jar: mine }}).body);
          console.log(http.get(`${{BASE}}/cookies`).body);
          http.get(`${{BASE}}/cookies/set?z=9`, {{ jar: mine }});  // stored in that jar, not the VU's
          console.log(show(mine.cookiesForURL(BASE)), show(jar.cookiesForURL(BASE)), Object.keys(mine).join());
          const withMine = ['GET', `${{BASE}}/cookies`, null, {{ jar: mine }}];
          const [one, two] = http.batch([withMine, withMine]);
          console.log(one.body, two.body);
          try {{ jar.set('::bad', 'x', 'y'); }} catch (e) {{ console.log(e.name, e.message); }}
        }}
        """,
    )
    assert lines[-1] == "exit 0"
    assert lines.count("start {}") == 2  # the VU's jar is emptied before each iteration
    assert '{"m": "v"}' in lines and '{"b": "2"}' in lines  # the request's jar, then the VU's
    assert '{"m":["v"],"z":["9"]} {"b":["2"]} clear,cookiesForURL,delete,set' in lines
