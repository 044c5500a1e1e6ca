"""The k6-script front end: `loadpy run script.js` runs k6 JavaScript on loadpy's VU runtime.

script.py loads (bundle.py resolves modules, typescript.py erases types, engine.py runs QuickJS);
host.py answers the JavaScript's k6 calls (wire.py: how requests and responses cross); fiber.py runs
them on a greenlet per VU; bridge.py is the one adapter to loadpy/vu; modules.py binds Python modules.
"""

from loadpy.js.script import SUFFIXES, JsScript, load_js_script

__all__ = ["SUFFIXES", "JsScript", "load_js_script"]
