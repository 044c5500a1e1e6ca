// loadpy's k6 modules, in JavaScript over a few host functions (__lp_host_*, see loadpy/js/host.py).
// Evaluated at the top of every VU's bundle; frames on these lines are shown as "(native)".
// `//#section <module> ...` to `//#end`: kept only in the programs that import one of those modules
// (loadpy/js/prelude.py): every function evaluated here costs each VU's context memory.
// `//#lazy <name>` to `//#end`: rarely used code, in no program; a context compiles it on first use (lazyPart).
// (no parentheses around the function: QuickJS scans ahead to the matching one on every "(" it meets,
// looking for an arrow function, which here would be the whole prelude once more per context)
var __lp = function () {
  "use strip"; // no source text or line table kept for loadpy's own functions (their frames are hidden)
  const defs = Object.create(null);
  const cache = Object.create(null);
  const builtin = Object.create(null);

  // A host answer starting with \x01 is an error (E, G) or a test abort (A): throw it as k6 would.
  function r(value) {
    if (typeof value === "string" && value.charCodeAt(0) === 1) {
      const kind = value.charAt(1);
      const err = new Error(value.substring(2));
      if (kind === "G") err.name = "GoError";
      if (kind === "A") err.name = "AbortError";
      if (kind === "N") throw namedError(value.substring(2));
      if (kind === "C") throw pyValues().takeCallbackError(); // a JavaScript callback Python called threw: that error goes on
      throw err;
    }
    return value;
  }

  // "TypeError\x02message": an instance of that built-in error class when there is one
  function namedError(text) {
    const cut = text.indexOf("\u0002");
    const name = text.substring(0, cut);
    const Ctor = { TypeError, RangeError, SyntaxError, ReferenceError }[name];
    const err = Ctor ? new Ctor(text.substring(cut + 1)) : new Error(text.substring(cut + 1));
    if (!Ctor) err.name = name;
    return err;
  }

  function module(name, exportsObject) {
    Object.defineProperty(exportsObject, "__esModule", { value: true });
    if (!("default" in exportsObject)) Object.defineProperty(exportsObject, "default", { value: exportsObject });
    builtin[name] = exportsObject;
  }

  const lazyBuiltin = Object.create(null); // name -> what builds it, on first import (memory per VU)

  function load(id) {
    if (id in builtin) return builtin[id];
    if (id in lazyBuiltin) {
      const build = lazyBuiltin[id];
      delete lazyBuiltin[id];
      build();
      return builtin[id];
    }
    const done = cache[id];
    if (done) return done.exports;
    const def = defs[id];
    const m = (cache[id] = { exports: {} });
    const imp = (spec) => {
      const target = def.deps[spec];
      if (typeof target !== "string") throw new Error(target.error);
      return load(target);
    };
    const req = (spec) => {
      if (!(spec in def.deps)) throw new Error(`require(${JSON.stringify(spec)}): only literal module names can be required`);
      return imp(spec);
    };
    const dir = id.substring(0, id.lastIndexOf("/"));
    const openHere = (path, mode) => open_(dir, path, mode);
    def.fn.call(m.exports, m.exports, m, req, imp, openHere, 0); // 0: the loop guards' counter (bundle.py)
    return m.exports;
  }

  function named(m, key) {
    if (key === "default") return m && m.__esModule ? m.default : m;
    return m[key];
  }

  function star(target, m) {
    for (const key of Object.keys(m)) {
      if (key === "default" || key in target) continue;
      Object.defineProperty(target, key, { enumerable: true, get: () => m[key] });
    }
  }

  // ---- values ---------------------------------------------------------------------------------
  function bytesToString(buffer) {
    const view = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let out = "";
    for (let i = 0; i < view.length; i += 4096) out += String.fromCharCode.apply(null, view.subarray(i, i + 4096));
    return out;
  }

  function stringToBytes(text) {
    const view = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) view[i] = text.charCodeAt(i) & 0xff;
    return view.buffer;
  }

  function isBinary(value) {
    return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
  }

  // A lazy part (`//#lazy <name>` to `//#end`, which prelude.py keeps out of the prelude): compiled in
  // this context the first time it is needed, from the one copy of its text the host keeps. `needs`
  // gives it the core's functions it uses (an indirect eval sees only globals).
  const globalEval = eval;
  function lazyPart(name, needs) {
    let part;
    return () => part || (part = globalEval(r(__lp_host_source(name)))(needs()));
  }

  // ---- values of modules bound from Python (loadpy/js/pyvalues.py has the other side) -------------
  // compiled in a context on first use (a module bound from Python called, an object body, ...)
  const pyValues = lazyPart("values:py", () => ({ r, isBinary, bytesToString, stringToBytes }));
  function pyCall(moduleName, fn, args) {
    return pyValues().pyCall(moduleName, fn, args);
  }

  //#lazy values:py
  (function (d) {
    "use strip";
    const { r, isBinary, bytesToString, stringToBytes } = d;
    let callbackError; // what a JavaScript callback Python called threw (r() throws it on)
    function pyArg(v, fns) {
      if (v === undefined || v === null || typeof v !== "object") {
        if (typeof v === "function") {
          fns.push((argsJson) => {
            try {
              return JSON.stringify(pyArg(v(...pyValue(JSON.parse(argsJson))), []));
            } catch (e) {
              callbackError = e;
              return "\u0001C";
            }
          });
          return { __lp_fn: fns.length - 1 };
        }
        return v === undefined ? null : v;
      }
      if (isBinary(v)) return { __lp_bytes: bytesToString(v) };
      if (v.__lp_obj !== undefined) return { __lp_obj: v.__lp_obj };
      if (Array.isArray(v)) return v.map((x) => pyArg(x, fns));
      const out = {};
      if (v.__lp_record !== undefined) out.__lp_record = v.__lp_record;
      for (const key of Object.keys(v)) out[key] = pyArg(v[key], fns);
      return out;
    }

    function pyValue(v) {
      if (v === null) return undefined; // Python's None is k6's undefined (docs/k6-modules.md)
      if (typeof v !== "object") return v;
      if (Array.isArray(v)) return v.map(pyValue);
      if (v.__lp_bytes !== undefined) return stringToBytes(v.__lp_bytes);
      if (v.__lp_obj !== undefined) return pyObject(v.__lp_obj, v.__lp_kind);
      const out = {};
      for (const key of Object.keys(v)) if (key !== "__lp_record") out[key] = pyValue(v[key]);
      if (v.__lp_record !== undefined) Object.defineProperty(out, "__lp_record", { value: v.__lp_record });
      return out;
    }

    // the arguments of a call to Python: JSON, and the callbacks as extra host-call arguments
    function pyArgs(args) {
      const fns = [];
      while (args.length && args[args.length - 1] === undefined) args = args.slice(0, -1);
      return [JSON.stringify(args.map((a) => pyArg(a, fns))), fns];
    }

    function pyCall(moduleName, fn, args) {
      const [json, fns] = pyArgs(args);
      return pyValue(JSON.parse(r(__lp_host_py(moduleName, fn, json, ...fns))));
    }

    // A Python object (Selection, Element, Hasher): its methods and properties by their k6 names.
    const pyMembers = Object.create(null); // "kind.name" -> "m" (a method) or "" (none); values are not cached
    function pyObject(id, kind) {
      const target = Object.create(null);
      target.__lp_obj = id;
      target.__lp_kind = kind;
      return new Proxy(target, {
        get(t, prop) {
          if (typeof prop !== "string" || prop in t) return t[prop];
          const key = kind + "." + prop;
          let found = pyMembers[key];
          if (found === undefined) {
            found = r(__lp_host_py_member(id, prop));
            if (found.charAt(0) === "p") return pyValue(JSON.parse(found.substring(1)));
            pyMembers[key] = found;
          }
          if (found === "m") {
            return (...args) => {
              const [json, fns] = pyArgs(args);
              return pyValue(JSON.parse(r(__lp_host_py_call(id, prop, json, ...fns))));
            };
          }
          if (prop === "toString") return () => `[object ${kind}]`;
          return undefined;
        },
      });
    }

    function takeCallbackError() {
      const thrown = callbackError;
      callbackError = undefined;
      return thrown;
    }

    return { pyArgs, pyCall, takeCallbackError };
  })
  //#end

  // console.* arguments as k6 v1.1 prints them: an object as its JSON (an Error too: its own
  // enumerable properties, usually `{}`), a function as null, a symbol as its description
  function fmt(value) {
    if (typeof value === "string") return value;
    if (value === undefined) return "undefined";
    if (typeof value === "function") return "null";
    if (typeof value === "symbol") return value.description || "";
    if (value instanceof Error && value.name === "GoError") return String(value); // k6 dumps Go's error struct
    if (typeof value === "object" && value !== null) {
      try {
        return JSON.stringify(value);
      } catch (e) {
        return String(value);
      }
    }
    return String(value);
  }

  function tagsJson(tags) {
    if (tags === undefined || tags === null) return "";
    const out = {};
    for (const key of Object.keys(tags)) out[key] = String(tags[key]);
    return JSON.stringify(out);
  }

  // ---- open() ----------------------------------------------------------------------------------
  function open_(dir, path, mode) {
    const binary = mode === "b";
    if (mode !== undefined && mode !== "" && mode !== "b") throw new Error(`open(): mode must be "b" or omitted, got ${JSON.stringify(mode)}`);
    const text = JSON.parse(r(__lp_host_open(dir, String(path), binary)));
    return binary ? stringToBytes(text) : text;
  }

  // ---- console ---------------------------------------------------------------------------------
  const logAt = (level) => (...args) => __lp_host_log(level, args.map(fmt).join(" "));
  globalThis.console = { log: logAt("info"), info: logAt("info"), warn: logAt("warning"), error: logAt("error"), debug: logAt("debug") };

  // ---- k6 --------------------------------------------------------------------------------------
  // per call: no iterator (an indexed loop), the host function from a closure constant, not the global
  const hostCheck = __lp_host_check;
  function check(value, sets, tags) {
    if (sets === undefined || sets === null) throw goError("no checks provided to `check`");
    const extra = tags === undefined || tags === null ? "" : tagsJson(tags);
    const names = Object.keys(sets);
    let all = true;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const cond = sets[name];
      let passed;
      if (typeof cond === "function") {
        try {
          passed = !!cond(value);
        } catch (e) {
          hostCheck(name, false, extra);
          throw e;
        }
      } else {
        passed = !!cond;
      }
      hostCheck(name, passed, extra);
      all = all && passed;
    }
    return all;
  }

  function group(name, fn) {
    r(__lp_host_group(String(name)));
    let ok = false;
    try {
      const result = fn();
      ok = true;
      return result;
    } finally {
      __lp_host_group_end(ok);
    }
  }

  function sleep(seconds) {
    r(__lp_host_sleep(Number(seconds)));
  }

  function fail(message) {
    const err = new Error(message === undefined ? "" : String(message));
    err.name = "GoError";
    throw err;
  }

  // k6's randomSeed (rare, and its PRNG's constants cost every context): compiled on first use
  const seeding = lazyPart("k6:randomSeed", () => null);
  //#lazy k6:randomSeed
  (function () {
    "use strip";
    let seeded = null;
    const nativeRandom = Math.random;
    function randomSeed(seed) {
      let state = Number(seed) >>> 0;
      seeded = function () {
        // mulberry32: a small, fast, well-spread PRNG (k6 seeds Go's rand; sequences differ)
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      Math.random = seeded;
    }
    return randomSeed;
  })
  //#end

  module("k6", { check, group, sleep, fail, randomSeed: (seed) => seeding()(seed) });

  // ---- k6/http ---------------------------------------------------------------------------------
  let globalCallback; // undefined: loadpy's default (200-399); null: none

  function setResponseCallback(cb) {
    if (cb !== undefined) httpRare().callbackValue(cb);
    globalCallback = cb;
  }

  // params loadpy honours; any other key (compression, ...) is warned about once
  const KNOWN_PARAMS = { __proto__: null, headers: 1, tags: 1, timeout: 1, redirects: 1, responseType: 1, responseCallback: 1, cookies: 1, jar: 1, auth: 1 };

  // ---- cookie jars (loadpy/js/jars.py): jar 0 is the VU's own ---------------------------------
  const jarIds = new WeakMap(); // a CookieJar (the rare part below makes them) -> its id in the host
  // the pure parts of k6/http are loadpy.k6lib.http's (bound in loadpy/js/modules.py)
  const HTTP_PURE = "loadpy:k6/http";




  // A request crosses to Python as (method, url, body, options JSON): the options only when the
  // script gave params or a response callback, so a plain http.get() parses no JSON at all.
  function buildRequest(method, url, body, params) {
    const req = { method: String(method).toUpperCase(), url: "", body: null, options: null };
    const options = {};
    let any = false;
    if (url && url.__lp_record === "TaggedURL") {
      req.url = url.url;
      options.tags = { name: url.name };
      any = true;
    } else if (typeof url === "string" || url instanceof String) {
      req.url = String(url);
    } else {
      options.notURL = httpRare().goText(url); // k6's ToURL refuses it: 1020, nothing sent
      any = true;
    }
    if (params) {
      for (const key of Object.keys(params)) {
        if (!(key in KNOWN_PARAMS)) httpRare().warnParam(key);
      }
      if (params.headers) {
        options.headers = {};
        for (const key of Object.keys(params.headers)) options.headers[key] = String(params.headers[key]);
        any = true;
      }
      if (params.tags) {
        options.tags = options.tags || {};
        for (const key of Object.keys(params.tags)) options.tags[key] = String(params.tags[key]);
        any = true;
      }
      if (params.jar !== undefined && params.jar !== null && jarIds.has(params.jar)) {
        options.jar = jarIds.get(params.jar); // any other value is ignored, as k6 does
        any = true;
      }
      if (params.cookies && Object.keys(params.cookies).length) {
        const headers = (options.headers = options.headers || {});
        const own = Object.keys(headers).find((h) => h.toLowerCase() === "cookie") || "Cookie";
        headers[own] = (headers[own] ? headers[own] + "; " : "") + httpRare().cookieHeader(params.cookies);
        // `replace: true`: the jar's cookie of that name is not sent (k6's SetRequestCookies)
        const replaced = Object.keys(params.cookies).filter((name) => {
          const c = params.cookies[name];
          return c !== null && typeof c === "object" && c.replace;
        });
        if (replaced.length) options.replaceCookies = replaced;
        any = true;
      }
      if (params.timeout !== undefined) (options.timeout = httpRare().seconds(params.timeout, "timeout")), (any = true);
      if (params.redirects !== undefined) (options.redirects = Number(params.redirects)), (any = true);
      if (params.responseType !== undefined) (options.responseType = String(params.responseType)), (any = true);
      if (params.auth !== undefined && params.auth !== null) (options.auth = String(params.auth)), (any = true);
    }
    const callback = params && "responseCallback" in params ? params.responseCallback : globalCallback;
    if (callback !== undefined) (options.expected = httpRare().callbackValue(callback)), (any = true);
    if (body !== undefined && body !== null) {
      if (isBinary(body)) {
        req.body = JSON.stringify(bytesToString(body)); // JSON: the bytes may hold NUL
        options.binary = true;
        any = true;
      } else if (typeof body === "object") {
        const [encoded, contentType] = httpRare().objectBody(body);
        req.body = JSON.stringify(encoded); // latin-1 bytes, as JSON: file data may hold NUL
        options.binary = true;
        const headers = (options.headers = options.headers || {});
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = contentType;
        any = true;
      } else {
        req.body = String(body);
      }
    }
    if (any) req.options = JSON.stringify(options);
    return req;
  }

  // Response: the scalar fields come with the answer; the rest is read from Python on first use
  // (then kept), by the id the host gave the response (valid during the iteration that made it).
  const TIMINGS = ["blocked", "looking_up", "connecting", "tls_handshaking", "sending", "waiting", "receiving", "duration"];
  const LAZY = {
    // "T" + text; "J" + JSON (text holding NUL); "B" + JSON of latin-1 text (responseType "binary")
    body: (raw) => {
      if (raw === null) return null;
      const kind = raw.charAt(0);
      if (kind === "T") return raw.substring(1);
      const text = JSON.parse(raw.substring(1));
      return kind === "B" ? stringToBytes(text) : text;
    },
    headers: JSON.parse,
    cookies: JSON.parse,
    request: JSON.parse,
    timings: (raw) => {
      const values = raw.split(",");
      const out = {};
      TIMINGS.forEach((name, i) => (out[name] = Number(values[i])));
      return out;
    },
    status_text: String,
    remote_ip: String,
    remote_port: Number,
    tls_version: String,
  };

  // The per-request path touches little in the VU's (cold) context: closure constants instead of
  // globals, and the response id under a symbol (a plain property add: not enumerable by Object.keys,
  // for-in or JSON.stringify, so no defineProperty). The host answers a plain HTTP/1.1 response of
  // the URL asked for as one number, id * 1000 + status (loadpy/js/host.py `_head`): no head text to
  // build, cross and split.
  const hostHttp = __lp_host_http;
  const hostResponse = __lp_host_response;
  const RESPONSE_ID = Symbol("loadpy response");
  class Response {
    constructor(head, url) {
      if (typeof head === "number") {
        const status = head % 1000;
        this.status = status;
        this.proto = "HTTP/1.1";
        this.url = url;
        this.error_code = 0;
        this.error = "";
        this[RESPONSE_ID] = (head - status) / 1000;
        return;
      }
      const p = head.split("\u0002");
      this.status = +p[1];
      this.proto = p[2];
      this.url = p[3];
      this.error_code = +p[4];
      this.error = p[5];
      this[RESPONSE_ID] = +p[0];
    }
    json(selector) {
      const body = this.body;
      if (body === null || body === undefined) throw new Error("the body is null so we can't transform it to JSON - this likely was because of a request error getting the response");
      if (selector === undefined) return JSON.parse(typeof body === "string" ? body : bytesToString(body));
      return httpRare().jsonPath(this, selector);
    }
    // JSON.stringify(res) and console.log(res)
    toJSON() {
      return httpRare().responseJSON(this);
    }
    html(selector) {
      return httpRare().html(this, selector);
    }
  }
  // a field's getter and setter: made by one function, so a field costs 2 closures (not 3 per loop turn)
  function ownField(res, field, value) {
    Object.defineProperty(res, field, { value, writable: true, enumerable: true, configurable: true });
  }
  function lazyField(field) {
    return {
      get() {
        const value = LAZY[field](r(hostResponse(this[RESPONSE_ID], field)));
        ownField(this, field, value);
        return value;
      },
      set(value) {
        ownField(this, field, value);
      },
      configurable: true,
    };
  }
  for (const field of Object.keys(LAZY)) Object.defineProperty(Response.prototype, field, lazyField(field));

  function request(method, url, body, params) {
    // the commonest call, http.get(url) with no params: nothing to build, no options to send
    if (params === undefined && body === null && globalCallback === undefined && typeof url === "string") {
      const head = hostHttp(method, url, null, null);
      return new Response(typeof head === "number" ? head : r(head), url);
    }
    const req = buildRequest(method, url, body, params);
    return new Response(r(hostHttp(req.method, req.url, req.body, req.options)), req.url);
  }

  // asyncRequest's requests not settled yet (the rare part's settleRequests settles them, from the lifecycle's fireTimer)
  const inFlight = new Map(); // id -> { resolve, reject, url }


  // The rarely used parts of k6/http (the `//#lazy k6/http:rare` part below) cost a context nothing until one is called
  const httpRare = lazyPart("k6/http:rare", () => ({ r, goError, fmt, pyValues, pyCall, buildRequest, request, Response, RESPONSE_ID, jarIds, inFlight, useLoop, HTTP_PURE }));
  const rareExport = (name) => (...args) => httpRare()[name](...args);

  //#lazy k6/http:rare
  // the rarely used parts of k6/http, compiled in a context on its first call of one (httpRare)
  (function (d) {
    "use strip";
    const { r, goError, fmt, pyValues, pyCall, buildRequest, request, Response, RESPONSE_ID, jarIds, inFlight, useLoop, HTTP_PURE } = d;

    const DURATION = /(\d+(?:\.\d+)?)(ms|us|µs|ns|s|m|h)/g;
    const UNIT = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

    function seconds(value, what) {
      if (typeof value === "number") return value / 1000; // k6: a number of milliseconds
      const text = String(value);
      let total = 0;
      let matched = "";
      text.replace(DURATION, (all, n, unit) => {
        total += Number(n) * UNIT[unit];
        matched += all;
        return "";
      });
      if (matched !== text || text === "") throw new Error(`invalid ${what} "${text}"`);
      return total;
    }

    // an object body as k6 sends it (form-urlencoded, or multipart/form-data with an http.file()):
    // [the body as a latin-1 string, its Content-Type]
    function objectBody(obj) {
      const [json, fns] = pyValues().pyArgs([obj]);
      const [body, contentType] = JSON.parse(r(__lp_host_py(HTTP_PURE, "objectBody", json, ...fns)));
      return [body.__lp_bytes, contentType];
    }

    function cookieHeader(cookies) {
      return Object.keys(cookies)
        .map((name) => {
          const c = cookies[name];
          return `${name}=${c !== null && typeof c === "object" ? c.value : c}`;
        })
        .join("; ");
    }

    // A value as Go's %v prints what goja exports: k6 names a non-string URL argument this way.
    function goText(v) {
      if (v === null || v === undefined) return "<nil>";
      if (Array.isArray(v)) return `[${v.map(goText).join(" ")}]`;
      if (typeof v === "object") return `map[${Object.keys(v).sort().map((k) => `${k}:${goText(v[k])}`).join(" ")}]`;
      return String(v);
    }

    function expectedStatuses(...specs) {
      for (const spec of specs) {
        const ok = (typeof spec === "number" && Number.isInteger(spec)) || (spec && Number.isInteger(spec.min) && Number.isInteger(spec.max));
        if (!ok) throw new Error(`expectedStatuses: invalid argument ${fmt(spec)} (integers and {min, max} objects)`);
      }
      return { __lp_expected: specs.map((s) => (typeof s === "number" ? s : { min: s.min, max: s.max })) };
    }

    function callbackValue(cb) {
      if (cb === undefined) return true;
      if (cb === null) return null;
      if (cb && cb.__lp_expected) return cb.__lp_expected;
      throw new Error("responseCallback: only http.expectedStatuses(...) callbacks are supported");
    }

    // ---- cookie jars (loadpy/js/jars.py): jar 0 is the VU's own
    function CookieJar(id) {
      const jarId = id === undefined ? JSON.parse(r(__lp_host_jar("new", -1, "[]"))) : id;
      const call = (op, args) => JSON.parse(r(__lp_host_jar(op, jarId, JSON.stringify(args))));
      // own properties, as k6's jar has them (Object.keys(jar) lists the four)
      this.clear = (url) => call("clear", [String(url)]);
      this.cookiesForURL = (url) => call("cookiesForURL", [String(url)]);
      this.delete = (url, name) => call("delete", [String(url), String(name)]);
      this.set = (url, name, value, opts) => call("set", [String(url), String(name), String(value), opts || null]);
      jarIds.set(this, jarId);
    }
    function cookieJar() {
      r(__lp_host_jar("check", 0, "[]")); // refused in init code, as in k6
      return new CookieJar(0);
    }

    function jsonPath(res, selector) {
      // a GJSON path, read by loadpy/k6lib/gjson.py on the body Python holds: its JSON, or null (undefined)
      const found = r(__lp_host_response(res[RESPONSE_ID], "gjson:" + String(selector)));
      return found === null ? undefined : JSON.parse(found);
    }

    // JSON.stringify(res) and console.log(res): k6's fields, in k6's order (the lazy ones read now)
    function responseJSON(res) {
      const t = res.timings;
      const timings = { duration: t.duration, blocked: t.blocked, looking_up: t.looking_up, connecting: t.connecting };
      Object.assign(timings, { tls_handshaking: t.tls_handshaking, sending: t.sending, waiting: t.waiting, receiving: t.receiving });
      const ocsp = { produced_at: 0, this_update: 0, next_update: 0, revoked_at: 0, revocation_reason: "", status: "" };
      const { remote_ip, remote_port, url, status, status_text, proto, headers, cookies, body } = res;
      const out = { remote_ip, remote_port, url, status, status_text, proto, headers, cookies, body, timings };
      return Object.assign(out, { tls_version: res.tls_version, tls_cipher_suite: "", ocsp, error: res.error, error_code: res.error_code, request: res.request });
    }

    function html(res, selector) {
      const body = res.body;
      const doc = pyCall("k6/html", "parseHTML", [body === null || body === undefined ? "" : body, res.url]);
      return selector === undefined ? doc : doc.find(selector);
    }

    function batchItem(item, key) {
      if (typeof item === "string" || (item && item.__lp_record === "TaggedURL")) return buildRequest("GET", item);
      // a malformed item fails the whole batch, nothing sent (k6's parseBatchRequest errors)
      if (Array.isArray(item)) {
        if (item.length < 2) return { invalid: `invalid batch request '[]interface {}{${item.map(goSharp).join(", ")}}'` };
        if (typeof item[0] !== "string") return { invalid: `invalid method type '${goText(item[0])}'` };
        return buildRequest(item[0], item[1], item[2], item[3]);
      }
      if (item !== null && typeof item === "object" && item.url === undefined) return { invalid: `batch request ${key} doesn't have a url key` };
      if (item === null || typeof item !== "object") return { invalid: `invalid URL: '#${goText(item)}'` };
      return buildRequest(item.method || "GET", item.url, item.body, item.params);
    }

    // Go's %#v of a value inside an []interface{}
    function goSharp(v) {
      if (typeof v === "string") return JSON.stringify(v);
      if (v === null || v === undefined) return "interface {}(nil)";
      return goText(v);
    }

    function batch(requests) {
      if (requests === null || typeof requests !== "object") {
        const number = typeof requests === "number" && (Number.isInteger(requests) ? "int64" : "float64");
        const goType = { string: "string", boolean: "bool" }[typeof requests] || number || "<nil>";
        throw goError(`invalid http.batch() argument type ${goType}`);
      }
      const keys = Array.isArray(requests) ? null : Object.keys(requests);
      const list = keys === null ? requests.map(batchItem) : keys.map((k) => batchItem(requests[k], k));
      if (list.length === 0) return keys === null ? [] : {};
      const heads = r(__lp_host_batch(JSON.stringify(list))).split("\u0003");
      const results = heads.map((head, i) => new Response(head, list[i].url));
      const failedAt = list.findIndex((req) => req.invalid !== undefined);
      if (keys === null) return failedAt < 0 ? results : results.map((res, i) => (i > failedAt ? null : res)); // k6 stopped there
      const out = {};
      keys.forEach((k, i) => (out[k] = results[i]));
      return out;
    }

    function url(strings, ...values) {
      return pyCall(HTTP_PURE, "url", [Array.from(strings), ...values.map(String)]);
    }

    function file(data, filename, contentType) {
      return pyCall(HTTP_PURE, "file", [data, filename, contentType]);
    }

    // asyncRequest: the request starts now on the VU's event loop, several run at once; its promise
    // settles when the host reports it done (settleRequests, called by the lifecycle's fireTimer).
    // A request with its own cookie jar is sent at once: the client holds one jar at a time.
    function asyncRequest(method, url, body, params) {
      try {
        if (params && params.jar !== undefined && params.jar !== null) return Promise.resolve(request(method, url, body, params));
        const req = buildRequest(method, url, body, params);
        const id = r(__lp_host_http_start(req.method, req.url, req.body, req.options));
        useLoop();
        return new Promise((resolve, reject) => inFlight.set(id, { resolve, reject, url: req.url }));
      } catch (e) {
        return Promise.reject(e);
      }
    }

    function settleRequests() {
      if (inFlight.size === 0) return;
      const done = __lp_host_http_done();
      if (!done) return;
      for (const entry of done.split("\u0004")) {
        const cut = entry.indexOf("\u0005");
        const id = Number(entry.substring(0, cut));
        const waiting = inFlight.get(id);
        inFlight.delete(id);
        try {
          waiting.resolve(new Response(r(entry.substring(cut + 1)), waiting.url));
        } catch (e) {
          waiting.reject(e);
        }
      }
    }

    const warnedParams = new Set();
    function warnParam(key) {
      if (warnedParams.has(key)) return;
      warnedParams.add(key);
      __lp_host_log("warning", `http params: "${key}" is not supported by loadpy and is ignored`);
    }

    return { seconds, objectBody, cookieHeader, goText, expectedStatuses, callbackValue, CookieJar, cookieJar, jsonPath, responseJSON, html, batch, url, file, asyncRequest, settleRequests, warnParam };
  })
  //#end

  module("k6/http", {
    request,
    asyncRequest: rareExport("asyncRequest"),
    get: (u, p) => request("GET", u, null, p),
    head: (u, p) => request("HEAD", u, null, p),
    options: (u, b, p) => request("OPTIONS", u, b, p),
    post: (u, b, p) => request("POST", u, b, p),
    put: (u, b, p) => request("PUT", u, b, p),
    patch: (u, b, p) => request("PATCH", u, b, p),
    del: (u, b, p) => request("DELETE", u, b, p),
    batch: rareExport("batch"),
    url: rareExport("url"),
    file: rareExport("file"),
    cookieJar: rareExport("cookieJar"),
    CookieJar: function () {
      return new (httpRare().CookieJar)();
    },
    expectedStatuses: rareExport("expectedStatuses"),
    setResponseCallback,
    OCSP_STATUS_GOOD: "good",
  });

  // ---- k6/metrics ------------------------------------------------------------------------------
  //#section k6/metrics
  function metricClass(type) {
    return class {
      constructor(name, isTime) {
        if (!__lp_host_init()) throw goError("metrics must be declared in the init context");
        r(__lp_host_metric_define(String(name), type, !!isTime));
        this.name = String(name);
      }
      add(value, tags) {
        // k6 names an invalid value as JavaScript prints it ('NaN', '[object Object]')
        const shown = Number.isNaN(value) ? "NaN" : value !== null && typeof value === "object" ? String(value) : value;
        return __lp_host_metric_add(this.name, shown, tagsJson(tags));
      }
    };
  }
  module("k6/metrics", { Counter: metricClass("counter"), Gauge: metricClass("gauge"), Rate: metricClass("rate"), Trend: metricClass("trend") });
  //#end

  // ---- k6/data ---------------------------------------------------------------------------------
  //#section k6/data
  class SharedArray {
    constructor(name, fn) {
      if (!__lp_host_init()) throw goError("new SharedArray must be called in the init context");
      if (name === undefined || name === null || String(name) === "") throw goError("empty name provided to SharedArray's constructor");
      if (typeof fn !== "function") throw goError("a function is expected as the second argument of SharedArray's constructor");
      name = String(name);
      let length = __lp_host_shared_length(name);
      if (length < 0) {
        const data = fn();
        if (!Array.isArray(data)) throw goError("only arrays can be made into SharedArray");
        length = r(__lp_host_shared_store(name, JSON.stringify(data)));
      }
      const items = [];
      const get = (i) => {
        if (!(i in items)) items[i] = Object.freeze(JSON.parse(__lp_host_shared_get(name, i)));
        return items[i];
      };
      const base = [];
      return new Proxy(base, {
        get(target, key) {
          if (key === "length") return length;
          if (key === Symbol.iterator) return function* () { for (let i = 0; i < length; i++) yield get(i); };
          if (typeof key === "string" && /^\d+$/.test(key)) return Number(key) < length ? get(Number(key)) : undefined;
          const proto = Array.prototype[key];
          if (typeof proto === "function") return (...args) => proto.apply(Array.from({ length }, (_, i) => get(i)), args);
          return undefined;
        },
        has(target, key) {
          return typeof key === "string" && /^\d+$/.test(key) && Number(key) < length;
        },
        set() {
          throw new Error("SharedArray is read-only");
        },
      });
    }
  }
  module("k6/data", { SharedArray });
  //#end

  // ---- k6/execution ----------------------------------------------------------------------------
  //#section k6/execution
  const execInfo = (key) => JSON.parse(__lp_host_exec(key));
  const vuMetadata = {};
  const execution = {
    get vu() {
      const v = execInfo("vu");
      // the VU's tags: set on every later sample of this VU (k6 takes strings, numbers and booleans)
      v.tags = new Proxy(v.tags || {}, {
        set(target, key, value) {
          if (!["string", "number", "boolean"].includes(typeof value)) {
            throw new TypeError(`invalid value for metric tag '${String(key)}': only String, Boolean and Number types are accepted as a metric tag values`);
          }
          __lp_host_vu_tag(String(key), String(value));
          target[key] = String(value);
          return true;
        },
        deleteProperty(target, key) {
          __lp_host_vu_tag(String(key), null);
          delete target[key];
          return true;
        },
      });
      v.metrics = { tags: v.tags, metadata: vuMetadata }; // metadata is kept, not sent to outputs
      return v;
    },
    get scenario() {
      return execInfo("scenario");
    },
    get instance() {
      return execInfo("instance");
    },
    test: {
      abort(reason) {
        r(__lp_host_abort(reason === undefined ? "" : String(reason)));
      },
      fail(reason) {
        __lp_host_fail(reason === undefined ? "" : String(reason));
      },
      get options() {
        return execInfo("options");
      },
    },
  };
  module("k6/execution", execution);
  //#end

  // ---- jslib.k6.io/k6-utils (imported by URL; loadpy/js/modules.py maps the URL here) -------------
  //#section jslib/k6-utils
  function findBetween(content, left, right, repeat) {
    const found = [];
    let from = 0;
    for (;;) {
      const start = content.indexOf(left, from);
      if (start === -1) break;
      const end = content.indexOf(right, start + left.length);
      if (end === -1) break;
      found.push(content.substring(start + left.length, end));
      if (!repeat) break;
      from = end + right.length;
    }
    return repeat ? found : found.length ? found[0] : null;
  }
  module("jslib/k6-utils", {
    randomIntBetween: (min, max) => Math.floor(Math.random() * (max - min + 1) + min),
    randomItem: (items) => items[Math.floor(Math.random() * items.length)],
    randomString(length, charset) {
      charset = charset || "abcdefghijklmnopqrstuvwxyz";
      let out = "";
      for (let i = 0; i < length; i++) out += charset.charAt(Math.floor(Math.random() * charset.length));
      return out;
    },
    uuidv4() {
      return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
        const n = (Math.random() * 16) | 0;
        return (c === "x" ? n : (n & 0x3) | 0x8).toString(16);
      });
    },
    findBetween,
  });
  //#end

  // ---- timers: global, and k6/timers (the iteration ends when none is left, as in k6) -------------
  // Whatever keeps an iteration's event loop going (a timer, a started request, an open WebSocket)
  // calls useLoop(): an iteration that used none ends without looking at any of them.
  let loopInUse = false;
  function useLoop() {
    loopInUse = true;
  }
  const timers = new Map();
  let timerSeq = 0;
  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== "function") throw new TypeError("a timer needs a function as its first argument");
    const delay = Math.max(0, Number(ms) || 0);
    const id = ++timerSeq;
    timers.set(id, { fn, args, delay, repeat, due: Date.now() + delay, seq: id, id });
    useLoop();
    return id;
  }
  function earliestTimer() {
    let found = null;
    for (const entry of timers) {
      const t = entry[1];
      if (found === null || t.due < found[1].due || (t.due === found[1].due && t.seq < found[1].seq)) found = entry;
    }
    return found;
  }
  // an iteration that threw or was interrupted leaves its timers unrun: k6 warns of each, in the order due
  function stopTimers() {
    const left = [...timers.values()].sort((a, b) => a.due - b.due || a.seq - b.seq);
    for (const t of left) {
      __lp_host_log("stopped", `${t.repeat ? "setInterval" : "setTimeout"} ${t.id} was stopped because the VU iteration was interrupted`);
    }
    timers.clear();
  }
  const setTimeout_ = (fn, ms, ...args) => addTimer(fn, ms, args, false);
  const setInterval_ = (fn, ms, ...args) => addTimer(fn, ms, args, true);
  const clearTimer = (id) => void timers.delete(id);
  Object.assign(globalThis, { setTimeout: setTimeout_, clearTimeout: clearTimer, setInterval: setInterval_, clearInterval: clearTimer });
  module("k6/timers", { setTimeout: setTimeout_, clearTimeout: clearTimer, setInterval: setInterval_, clearInterval: clearTimer });

  // ---- k6/ws and k6/websockets, over loadpy/js/ws.py ----------------------------------------------
  // (the event loop's side is here: k6/websockets is evaluated only in the scripts that import it)
  const wsLive = new Map(); // id -> WebSocket not closed yet: the iteration lasts until none is left
  const WS_WAIT_MS = 86400000; // no timer left, a socket open: wait for its events (a day bounds nothing real)
  let dispatchWs = null; // delivers the sessions' events: set by k6/websockets when a WebSocket is made
  // a Go error as k6 throws it (check, http.batch, the WebSocket modules)
  function goError(text) {
    const err = new Error(text);
    err.name = "GoError";
    return err;
  }
  //#section k6/ws k6/websockets k6/experimental/websockets
  // k6 hands a Go error to an "error" handler: e.error() and String(e) give its text
  function goErrorValue(text) {
    const e = { error: () => text };
    Object.defineProperty(e, "toString", { value: () => text });
    return e;
  }

  // the params both modules take: headers, tags, jar; compression is refused (loadpy's client has none)
  function wsOptions(params, strict) {
    const options = {};
    if (params === undefined || params === null) return options;
    for (const key of Object.keys(params)) {
      const value = params[key];
      if (key === "headers" && value) {
        options.headers = {};
        for (const name of Object.keys(value)) options.headers[name] = String(value[name]);
      } else if (key === "tags" && value) {
        options.tags = {};
        for (const name of Object.keys(value)) options.tags[name] = String(value[name]);
      } else if (key === "jar") {
        if (value && jarIds.has(value)) options.jar = jarIds.get(value);
      } else if (key === "compression") {
        const algo = String(value).trim();
        if (algo === "" && !strict) continue;
        if (algo !== "deflate") throw goError(`unsupported compression algorithm '${algo}', supported algorithm is 'deflate'`);
        throw goError("WebSocket compression (deflate) is not supported by loadpy");
      } else if (strict) {
        throw goError(`unknown WebSocket's option ${key}`);
      }
    }
    return options;
  }
  //#end

  //#section k6/ws
  // -- k6/ws: ws.connect blocks while the socket lives, running its handlers and its own timers --
  class WsSocket {
    constructor(id) {
      Object.defineProperty(this, "__lp", { value: { id, handlers: Object.create(null), timers: [], seq: 0, done: false } });
    }
    on(event, handler) {
      if (typeof handler !== "function") return;
      const handlers = this.__lp.handlers;
      (handlers[event] = handlers[event] || []).push(handler);
    }
    send(message) {
      const err = r(__lp_host_ws_send(this.__lp.id, JSON.stringify(String(message)), false));
      if (err) emitWs(this, "error", goErrorValue(err));
    }
    sendBinary(message) {
      if (!(message instanceof ArrayBuffer)) {
        const type = message === undefined || message === null ? String(message) : message.constructor.name;
        throw goError(`expected ArrayBuffer as argument, received: ${type}`);
      }
      const err = r(__lp_host_ws_send(this.__lp.id, JSON.stringify(bytesToString(message)), true));
      if (err) emitWs(this, "error", goErrorValue(err));
    }
    ping() {
      const err = r(__lp_host_ws_ping(this.__lp.id));
      if (err) emitWs(this, "error", goErrorValue(err));
    }
    close(code) {
      closeWs(this, arguments.length > 0 ? Math.trunc(Number(code)) || 0 : 1001, false);
    }
    setTimeout(fn, ms) {
      addWsTimer(this, fn, ms, false, "setTimeout");
    }
    setInterval(fn, ms) {
      addWsTimer(this, fn, ms, true, "setInterval");
    }
  }

  function emitWs(socket, event, ...args) {
    for (const handler of socket.__lp.handlers[event] || []) handler(...args);
  }

  function addWsTimer(socket, fn, ms, repeat, what) {
    const delay = Number(ms);
    if (!(delay > 0)) throw goError(`${what} requires a >0 timeout parameter, received ${delay.toFixed(2)}`);
    const s = socket.__lp;
    s.timers.push({ fn, delay, repeat, due: Date.now() + delay, seq: ++s.seq });
  }

  // k6's closeConnection: once; the close frame (its failure is an error event unless the peer closed
  // first), then the close handlers, then the connection is gone
  function closeWs(socket, code, remote) {
    const s = socket.__lp;
    if (s.done) return;
    s.done = true;
    const err = r(__lp_host_ws_close(s.id, code, ""));
    if (err && !remote) emitWs(socket, "error", goErrorValue(err));
    emitWs(socket, "close", code);
  }

  function legacyEvent(socket, ev) {
    const kind = ev[0];
    if (kind === "message") emitWs(socket, "message", ev[1]);
    else if (kind === "binary") emitWs(socket, "binaryMessage", stringToBytes(ev[1]));
    else if (kind === "ping" || kind === "pong") emitWs(socket, kind);
    else if (kind === "close") {
      if (ev[3]) emitWs(socket, "error", goErrorValue(ev[3]));
      closeWs(socket, ev[1] === null ? 1001 : ev[1], true); // no close frame: gorilla reports 1001
    }
  }

  function fireWsTimers(socket) {
    const s = socket.__lp;
    const now = Date.now();
    const due = s.timers.filter((t) => t.due <= now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    for (const t of due) {
      if (s.done) return;
      if (t.repeat) t.due += t.delay;
      else s.timers.splice(s.timers.indexOf(t), 1);
      t.fn();
    }
  }

  function nextWsTimer(socket) {
    let due = Infinity;
    for (const t of socket.__lp.timers) due = Math.min(due, t.due);
    return due === Infinity ? -1 : Math.max(0, due - Date.now());
  }

  function wsResponse(head) {
    return { url: head.url, status: head.status, headers: head.headers, body: head.body, error: head.error };
  }

  function connect(url, ...args) {
    let params;
    let setup;
    if (args.length === 2) [params, setup] = args;
    else if (args.length === 1) setup = args[0];
    else throw goError("invalid number of arguments to ws.connect");
    if (typeof setup !== "function") throw goError("last argument to ws.connect must be a function");
    const options = wsOptions(params, false);
    const head = JSON.parse(r(__lp_host_ws_open(String(url), JSON.stringify(options), true)));
    // not opened: the error event had no handler yet, the Response carries it (k6 throws it only
    // with the `throw` option, which loadpy refuses)
    if (!head.id) return wsResponse(head);
    const socket = new WsSocket(head.id);
    try {
      setup(socket);
      emitWs(socket, "open");
      const s = socket.__lp;
      while (!s.done) {
        const wait = nextWsTimer(socket);
        const events = wait === 0 ? [] : JSON.parse(r(__lp_host_ws_wait(s.id, wait)));
        for (const ev of events) if (!s.done) legacyEvent(socket, ev);
        if (!s.done) fireWsTimers(socket);
      }
    } finally {
      closeWs(socket, 1001, false); // k6's deferred Close(): a handler that threw still closes the socket
    }
    return wsResponse(head);
  }
  module("k6/ws", { connect });
  //#end

  //#section k6/websockets k6/experimental/websockets
  // -- k6/websockets (and k6/experimental/websockets): events on the VU's event loop --------------
  const CONNECTING = 0;
  const OPEN = 1;
  const CLOSING = 2;
  const CLOSED = 3;
  const WS_EVENTS = ["open", "message", "error", "close", "ping", "pong"];

  function utf8(text) {
    return unescape(encodeURIComponent(text)); // a latin-1 string of the UTF-8 bytes
  }

  class Blob {
    constructor(parts, options) {
      let data = "";
      for (const part of parts || []) {
        if (part instanceof Blob) data += part.__lp_data;
        else if (part instanceof ArrayBuffer) data += bytesToString(part);
        else if (ArrayBuffer.isView(part)) data += bytesToString(part);
        else data += utf8(String(part));
      }
      if (options !== undefined && (options === null || typeof options !== "object")) throw goError("[options] must be an object");
      Object.defineProperty(this, "__lp_data", { value: data });
      Object.defineProperty(this, "__lp_type", { value: options && options.type !== undefined ? String(options.type) : "" });
    }
    get size() {
      return this.__lp_data.length;
    }
    get type() {
      return this.__lp_type;
    }
    arrayBuffer() {
      return Promise.resolve(stringToBytes(this.__lp_data));
    }
    bytes() {
      return Promise.resolve(new Uint8Array(stringToBytes(this.__lp_data)));
    }
    text() {
      try {
        return Promise.resolve(decodeURIComponent(escape(this.__lp_data)));
      } catch (e) {
        return Promise.resolve(this.__lp_data);
      }
    }
    slice(start, end, type) {
      return new Blob([stringToBytes(this.__lp_data.slice(start, end))], { type: type === undefined ? "" : type });
    }
    toString() {
      return "[object Blob]";
    }
  }

  class WebSocket {
    constructor(url, protocols, params) {
      if (url === undefined || url === null) throw goError("WebSocket requires a url");
      const text = String(url);
      const scheme = text.indexOf(":") > 0 ? text.substring(0, text.indexOf(":")) : "";
      if (scheme !== "ws" && scheme !== "wss") throw goError(`WebSocket requires url with scheme ws or wss, but got "${scheme}"`);
      if (text.indexOf("#") >= 0) throw goError(`WebSocket requires no url fragment, but got "${text.substring(text.indexOf("#") + 1)}"`);
      const options = wsOptions(params, true);
      const tags = options.tags || {};
      // k6 tags these sessions with name (the URL, or the user's name tag, which then is the url tag too)
      options.tags = "name" in tags ? Object.assign(tags, { url: tags.name }) : Object.assign({ name: text }, tags);
      if (protocols !== undefined && protocols !== null) {
        options.protocols = Array.isArray(protocols) ? protocols.map(String) : [String(protocols)];
      }
      const id = JSON.parse(r(__lp_host_ws_open(text, JSON.stringify(options), false))).id;
      const state = { id, readyState: CONNECTING, protocol: "", binaryType: "blob", buffered: 0, on: {}, listeners: {} };
      for (const type of WS_EVENTS) state.listeners[type] = [];
      Object.defineProperty(this, "__lp", { value: state });
      Object.defineProperty(this, "url", { value: text, enumerable: true });
      wsLive.set(id, this);
      useLoop();
      dispatchWs = deliverWsEvents;
    }
    get readyState() {
      return this.__lp.readyState;
    }
    get bufferedAmount() {
      return this.__lp.buffered;
    }
    get protocol() {
      return this.__lp.protocol;
    }
    get extensions() {
      return [];
    }
    get binaryType() {
      return this.__lp.binaryType;
    }
    set binaryType(value) {
      if (value !== "blob" && value !== "arraybuffer") throw goError(`unknown binaryType ${value}, the supported ones are "blob" and "arraybuffer"`);
      this.__lp.binaryType = value;
    }
    addEventListener(type, handler) {
      if (typeof handler !== "function") throw goError(`handler for event type "${type}" isn't a callable function`);
      const list = this.__lp.listeners[type];
      if (list === undefined) __lp_host_log("warning", `can't add event handler: unknown event type: ${type}`);
      else list.push(handler);
    }
    send(data) {
      const s = openState(this);
      let bytes;
      if (typeof data === "string") {
        s.buffered += utf8(data).length;
        return void r(__lp_host_ws_send(s.id, JSON.stringify(data), false));
      }
      if (data instanceof ArrayBuffer) bytes = bytesToString(data);
      else if (ArrayBuffer.isView(data)) bytes = bytesToString(data.buffer); // k6 sends the whole buffer
      // (k6 v1.1 does not recognise its own Blob here: sending one throws, as any other object)
      else throw goError(`unsupported send type ${goTypeName(data)}`);
      s.buffered += bytes.length;
      r(__lp_host_ws_send(s.id, JSON.stringify(bytes), true));
    }
    ping() {
      r(__lp_host_ws_ping(openState(this).id));
    }
    close(code, reason) {
      const s = this.__lp;
      if (s.readyState === CLOSED || s.readyState === CLOSING) return;
      s.readyState = CLOSING;
      r(__lp_host_ws_close(s.id, Math.trunc(Number(code)) || 1000, reason === undefined ? "" : String(reason)));
    }
  }
  for (const type of WS_EVENTS) {
    Object.defineProperty(WebSocket.prototype, "on" + type, {
      get() {
        return this.__lp.on[type];
      },
      set(handler) {
        if (handler !== undefined && handler !== null && typeof handler !== "function") throw goError(`a value for 'on${type}' should be callable`);
        this.__lp.on[type] = handler === null ? undefined : handler;
      },
    });
  }

  function goTypeName(value) {
    if (typeof value === "number") return Number.isInteger(value) ? "int64" : "float64";
    if (typeof value === "boolean") return "bool";
    if (value === undefined || value === null) return "<nil>";
    return "map[string]interface {}";
  }

  function openState(socket) {
    const s = socket.__lp;
    if (s.readyState !== OPEN) throw goError("InvalidStateError");
    return s;
  }

  function wsEvent(socket, type, extra) {
    const ev = { type, target: socket, timestamp: Date.now() };
    return extra ? Object.assign(ev, extra) : ev;
  }

  // the handlers of one event: the on<type> one first, then the added ones. A throw from an open or
  // message handler ends the socket as k6 ends it (connection dropped, error then close handlers)
  // and fails the iteration.
  function callWs(socket, type, extra) {
    const s = socket.__lp;
    const handlers = s.on[type] ? [s.on[type], ...s.listeners[type]] : s.listeners[type];
    for (const handler of handlers) {
      try {
        handler(wsEvent(socket, type, extra));
      } catch (e) {
        if ((type === "open" || type === "message") && s.readyState !== CLOSED) {
          s.readyState = CLOSED;
          wsLive.delete(s.id);
          r(__lp_host_ws_close(s.id, -1, ""));
          callWs(socket, "error", { error: String(e) });
          callWs(socket, "close");
        }
        throw e;
      }
    }
  }

  function websocketEvent(socket, ev) {
    const s = socket.__lp;
    const kind = ev[0];
    if (kind === "open") {
      if (s.readyState !== CONNECTING) return;
      s.readyState = OPEN;
      s.protocol = ev[1].subproto;
      callWs(socket, "open");
    } else if (kind === "message" || kind === "binary") {
      if (s.readyState !== OPEN) return;
      let data = ev[1];
      if (kind === "binary") data = s.binaryType === "arraybuffer" ? stringToBytes(data) : blobOf(data);
      callWs(socket, "message", { data, origin: socket.url });
    } else if (kind === "ping" || kind === "pong") {
      callWs(socket, kind);
    } else if (kind === "close") {
      if (s.readyState === CLOSED) return;
      s.readyState = CLOSED;
      wsLive.delete(s.id);
      if (ev[3]) callWs(socket, "error", { error: ev[3] });
      callWs(socket, "close");
    }
  }

  function blobOf(data) {
    return new Blob([stringToBytes(data)]);
  }

  // the events the sessions delivered since the last turn of the event loop (written data is gone)
  function deliverWsEvents() {
    for (const socket of wsLive.values()) socket.__lp.buffered = 0;
    for (const [id, ev] of JSON.parse(r(__lp_host_ws_events()))) {
      const socket = wsLive.get(id);
      if (socket !== undefined) websocketEvent(socket, ev);
    }
  }

  const websockets = { WebSocket, Blob };
  module("k6/experimental/websockets", websockets);
  module("k6/websockets", websockets);
  //#end

  // ---- the lifecycle, called from Python -------------------------------------------------------
  let main = null;
  let data;
  let settled = null;
  let lastName = null; // the exported function called last, and that function (k6 reads an export once per VU)
  let lastFn = null;
  // __ITER: a global accessor over a closure variable, defined by the first iteration (k6 defines it
  // in iterations only): an iteration writes one variable, not a property of the global object
  let iterNow;
  function defineIter() {
    const property = { get: () => iterNow, set: (v) => void (iterNow = v), enumerable: true, configurable: true };
    Object.defineProperty(globalThis, "__ITER", property);
  }
  return {
    define(id, deps, fn) {
      defs[id] = { deps, fn };
    },
    load,
    named,
    star,
    // a module implemented in Python (loadpy/js/modules.py): each function is one host call
    // built when first imported: a script that does not import it pays no memory for it
    pymodule(name, functions, glue) {
      lazyBuiltin[name] = () => {
        const m = {};
        for (const fn of functions) m[fn] = (...args) => pyCall(name, fn, args);
        glue(m, stringToBytes, bytesToString);
        module(name, m);
      };
    },
    boot(mainId) {
      main = load(mainId);
      return main;
    },
    exportsJson() {
      const out = {};
      for (const key of Object.keys(main)) out[key] = typeof main[key];
      if (typeof main.default === "function") out.default = "function";
      return JSON.stringify(out);
    },
    optionsJson() {
      return main.options === undefined ? "{}" : JSON.stringify(main.options);
    },
    setData(json) {
      data = json === undefined ? undefined : JSON.parse(json);
    },
    // Runs an exported function; async functions settle via the job queue (see settle()).
    // ms until the earliest timer is due or a started request can settle, -1 when there is none
    nextTimer() {
      const found = earliestTimer();
      let timer = found === null ? -1 : Math.max(0, found[1].due - Date.now());
      if (timer < 0 && wsLive.size) timer = WS_WAIT_MS; // no timer left, a socket open: its events
      if (inFlight.size === 0) return timer;
      if (__lp_host_http_ready()) return 0;
      return timer < 0 ? 1e9 : timer; // the host's wait ends early when a request completes
    },
    stopTimers() {
      stopTimers();
    },
    // a WebSocket event can end the wait before the timer is due: deliver events, then fire a due timer
    fireTimer() {
      if (inFlight.size !== 0) httpRare().settleRequests();
      if (dispatchWs !== null) dispatchWs();
      const found = earliestTimer();
      if (found === null || found[1].due > Date.now()) return;
      const t = found[1];
      if (t.repeat) {
        t.due = Date.now() + t.delay;
        t.seq = ++timerSeq;
      } else {
        timers.delete(found[0]);
      }
      t.fn(...t.args);
    },
    call(name, iter, withData) {
      if (name !== "setup" && name !== "teardown") {
        if (iterNow === undefined) defineIter();
        iterNow = iter;
      }
      if (loopInUse) {
        timers.clear(); // what an earlier, failed iteration left
        inFlight.clear();
        wsLive.clear();
        loopInUse = false;
      }
      let fn = lastFn;
      if (name !== lastName) {
        fn = main[name];
        if (typeof fn !== "function") throw new Error(`function '${name}' not found in exports`);
        lastName = name;
        lastFn = fn;
      }
      let result;
      try {
        result = withData ? fn(data) : fn();
      } catch (e) {
        if (loopInUse && timers.size !== 0) stopTimers(); // (before the error's own line, as k6)
        throw e;
      }
      settled = null;
      if (result && typeof result.then === "function") {
        settled = { done: false };
        result.then(
          (v) => Object.assign(settled, { done: true, value: v }),
          (e) => Object.assign(settled, { done: true, error: e }),
        );
        return "\u0001P";
      }
      const json = result === undefined ? undefined : JSON.stringify(result);
      if (!loopInUse) return json;
      // Python runs the event loop while a timer, a started request or an open WebSocket is left
      const waiting = timers.size !== 0 || inFlight.size !== 0 || wsLive.size !== 0;
      return waiting ? "\u0001T" + (json === undefined ? "" : json) : json;
    },
    settle() {
      if (settled === null || !settled.done) return "\u0001P";
      if (settled.error !== undefined) throw settled.error;
      return settled.value === undefined ? undefined : JSON.stringify(settled.value);
    },
    summary(json) {
      const out = main.handleSummary(JSON.parse(json));
      if (out === undefined || out === null) return undefined;
      const files = {};
      for (const key of Object.keys(out)) files[key] = isBinary(out[key]) ? { binary: bytesToString(out[key]) } : out[key];
      return JSON.stringify(files);
    },
    setEnv(json) {
      globalThis.__ENV = JSON.parse(json);
    },
    // the loop guard's call (loadpy/js/bundle.py LOOP_GUARD): the counter starts again at 0
    tick() {
      r(__lp_host_tick());
      return 0;
    },
  };
}();
var __lp_define = __lp.define, __lp_default = (m) => __lp.named(m, "default"), __lp_named = __lp.named, __lp_star = __lp.star, __lp_tick = __lp.tick;
// what loadpy/js/engine.py calls, as globals it can get: no function compiled per context to reach them
var __lp_call = __lp.call, __lp_settle = __lp.settle, __lp_set_data = __lp.setData, __lp_set_env = __lp.setEnv, __lp_next_timer = __lp.nextTimer, __lp_fire_timer = __lp.fireTimer, __lp_stop_timers = __lp.stopTimers;
