// loadpy's k6 modules, in JavaScript over a few host functions (__lp_host_*, see loadpy/js/host.py).
// Evaluated at the top of every VU's bundle; frames on these lines are shown as "(native)".
var __lp = (function () {
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
      if (kind === "C") {
        const thrown = callbackError; // a JavaScript callback Python called threw: that error goes on
        callbackError = undefined;
        throw thrown;
      }
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
    def.fn.call(m.exports, m.exports, m, req, imp, openHere);
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

  // ---- values of modules bound from Python (loadpy/js/pyvalues.py has the other side) -------------
  let callbackError;
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

  function fmt(value) {
    if (typeof value === "string") return value;
    if (value instanceof Error) return String(value);
    if (value === undefined) return "undefined";
    if (typeof value === "function") return "[object Function]";
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
  function check(value, sets, tags) {
    const extra = tagsJson(tags);
    let all = true;
    for (const name of Object.keys(sets || {})) {
      const cond = sets[name];
      let passed;
      if (typeof cond === "function") {
        try {
          passed = !!cond(value);
        } catch (e) {
          __lp_host_check(name, false, extra);
          throw e;
        }
      } else {
        passed = !!cond;
      }
      __lp_host_check(name, passed, extra);
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

  module("k6", { check, group, sleep, fail, randomSeed });

  // ---- k6/http ---------------------------------------------------------------------------------
  let globalCallback; // undefined: loadpy's default (200-399); null: none
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

  function setResponseCallback(cb) {
    callbackValue(cb);
    globalCallback = cb;
  }

  // params loadpy honours; any other key (jar, auth, compression, ...) is warned about once
  const KNOWN_PARAMS = new Set(["headers", "tags", "timeout", "redirects", "responseType", "responseCallback", "cookies", "jar"]);

  // ---- cookie jars (loadpy/js/jars.py): jar 0 is the VU's own ---------------------------------
  const jarIds = new WeakMap();
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

  // the pure parts of k6/http are loadpy.k6lib.http's (bound in loadpy/js/modules.py)
  const HTTP_PURE = "loadpy:k6/http";

  // an object body as k6 sends it (form-urlencoded, or multipart/form-data with an http.file()):
  // [the body as a latin-1 string, its Content-Type]
  function objectBody(obj) {
    const [json, fns] = pyArgs([obj]);
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
  const warnedParams = new Set();

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
    } else {
      req.url = String(url);
    }
    if (params) {
      for (const key of Object.keys(params)) {
        if (!KNOWN_PARAMS.has(key) && !warnedParams.has(key)) {
          warnedParams.add(key);
          __lp_host_log("warning", `http params: "${key}" is not supported by loadpy and is ignored`);
        }
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
        options.headers = options.headers || {};
        const existing = options.headers.Cookie;
        options.headers.Cookie = (existing ? existing + "; " : "") + cookieHeader(params.cookies);
        any = true;
      }
      if (params.timeout !== undefined) (options.timeout = seconds(params.timeout, "timeout")), (any = true);
      if (params.redirects !== undefined) (options.redirects = Number(params.redirects)), (any = true);
      if (params.responseType !== undefined) (options.responseType = String(params.responseType)), (any = true);
    }
    const callback = params && "responseCallback" in params ? params.responseCallback : globalCallback;
    if (callback !== undefined) (options.expected = callbackValue(callback)), (any = true);
    if (body !== undefined && body !== null) {
      if (isBinary(body)) {
        req.body = JSON.stringify(bytesToString(body)); // JSON: the bytes may hold NUL
        options.binary = true;
        any = true;
      } else if (typeof body === "object") {
        const [encoded, contentType] = objectBody(body);
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
    req.responseType = options.responseType;
    return req;
  }

  function gjson(value, path) {
    if (path === undefined || path === "") return value;
    for (const raw of path.split(".")) {
      if (value === undefined || value === null) return undefined;
      if (raw === "#" && Array.isArray(value)) return value.length;
      value = value[raw];
    }
    return value;
  }

  // Response: the scalar fields come with the answer; the rest is read from Python on first use
  // (then kept), by the id the host gave the response (valid during the iteration that made it).
  const TIMINGS = ["blocked", "looking_up", "connecting", "tls_handshaking", "sending", "waiting", "receiving", "duration"];
  const LAZY = {
    body: (raw) => (raw === null ? null : raw.charAt(0) === "T" ? raw.substring(1) : JSON.parse(raw.substring(1))),
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

  // the per-request path reads closure constants, not globals (each global is a hash lookup in
  // the VU's own global object), and reuses two descriptors instead of allocating them
  const hostHttp = __lp_host_http;
  const defineProperty = Object.defineProperty;
  const HIDDEN_ID = { value: 0 };
  const HIDDEN_BINARY = { value: false };
  class Response {
    constructor(head, responseType) {
      const p = head.split("\u0002");
      HIDDEN_ID.value = +p[0];
      defineProperty(this, "__lp_id", HIDDEN_ID);
      HIDDEN_BINARY.value = responseType === "binary";
      defineProperty(this, "__lp_binary", HIDDEN_BINARY);
      this.status = +p[1];
      this.proto = p[2];
      this.url = p[3];
      this.error_code = +p[4];
      this.error = p[5];
    }
    json(selector) {
      const body = this.body;
      if (body === null || body === undefined) throw new Error("the body is null so we can't transform it to JSON - this likely was because of a request error getting the response");
      const parsed = JSON.parse(typeof body === "string" ? body : bytesToString(body));
      return selector === undefined ? parsed : gjson(parsed, String(selector));
    }
    html(selector) {
      const body = this.body;
      const doc = pyCall("k6/html", "parseHTML", [body === null || body === undefined ? "" : body, this.url]);
      return selector === undefined ? doc : doc.find(selector);
    }
  }
  for (const field of Object.keys(LAZY)) {
    const own = (obj, value) => Object.defineProperty(obj, field, { value, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(Response.prototype, field, {
      get() {
        let value = LAZY[field](r(__lp_host_response(this.__lp_id, field)));
        if (field === "body" && this.__lp_binary && value !== null) value = stringToBytes(value);
        own(this, value);
        return value;
      },
      set(value) {
        own(this, value);
      },
      configurable: true,
    });
  }

  function request(method, url, body, params) {
    // the commonest call, http.get(url) with no params: nothing to build, no options to send
    if (params === undefined && body === null && globalCallback === undefined && typeof url === "string") {
      return new Response(r(hostHttp(method, url, null, null)), undefined);
    }
    const req = buildRequest(method, url, body, params);
    return new Response(r(hostHttp(req.method, req.url, req.body, req.options)), req.responseType);
  }

  function batchItem(item) {
    if (typeof item === "string" || (item && item.__lp_record === "TaggedURL")) return buildRequest("GET", item);
    if (Array.isArray(item)) return buildRequest(item[0], item[1], item[2], item[3]);
    return buildRequest(item.method || "GET", item.url, item.body, item.params);
  }

  function batch(requests) {
    const keys = Array.isArray(requests) ? null : Object.keys(requests);
    const list = keys === null ? requests.map(batchItem) : keys.map((k) => batchItem(requests[k]));
    const heads = r(__lp_host_batch(JSON.stringify(list))).split("\u0003");
    const results = heads.map((head, i) => new Response(head, list[i].responseType));
    if (keys === null) return results;
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

  // asyncRequest settles once the request completes; requests of one VU run one after another
  // (k6 overlaps them), so counts match k6 and wall time can be longer
  function asyncRequest(method, url, body, params) {
    try {
      return Promise.resolve(request(method, url, body, params));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  module("k6/http", {
    request,
    asyncRequest,
    get: (u, p) => request("GET", u, null, p),
    head: (u, p) => request("HEAD", u, null, p),
    options: (u, b, p) => request("OPTIONS", u, b, p),
    post: (u, b, p) => request("POST", u, b, p),
    put: (u, b, p) => request("PUT", u, b, p),
    patch: (u, b, p) => request("PATCH", u, b, p),
    del: (u, b, p) => request("DELETE", u, b, p),
    batch,
    url,
    file,
    cookieJar,
    CookieJar: function () {
      return new CookieJar();
    },
    expectedStatuses,
    setResponseCallback,
    OCSP_STATUS_GOOD: "good",
  });

  // ---- k6/metrics ------------------------------------------------------------------------------
  function metricClass(type) {
    return class {
      constructor(name, isTime) {
        if (!__lp_host_init()) throw new Error("metrics must be declared in the init context");
        r(__lp_host_metric_define(String(name), type, !!isTime));
        this.name = String(name);
      }
      add(value, tags) {
        return __lp_host_metric_add(this.name, value, tagsJson(tags));
      }
    };
  }
  module("k6/metrics", { Counter: metricClass("counter"), Gauge: metricClass("gauge"), Rate: metricClass("rate"), Trend: metricClass("trend") });

  // ---- k6/data ---------------------------------------------------------------------------------
  class SharedArray {
    constructor(name, fn) {
      if (typeof fn !== "function") throw new Error("a function is expected as the second argument of SharedArray");
      name = String(name);
      let length = __lp_host_shared_length(name);
      if (length < 0) {
        const data = fn();
        if (!Array.isArray(data)) throw new Error("only arrays can be made into SharedArray");
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

  // ---- k6/execution ----------------------------------------------------------------------------
  const execInfo = (key) => JSON.parse(__lp_host_exec(key));
  const execution = {
    get vu() {
      const v = execInfo("vu");
      const readOnly = (what) => ({
        set() {
          throw new Error(`${what}: setting VU tags or metadata is not supported by loadpy yet`);
        },
        deleteProperty() {
          throw new Error(`${what}: setting VU tags or metadata is not supported by loadpy yet`);
        },
      });
      v.tags = new Proxy(v.tags || {}, readOnly("exec.vu.tags"));
      v.metrics = { tags: new Proxy(v.tags, readOnly("exec.vu.metrics.tags")), metadata: new Proxy({}, readOnly("exec.vu.metrics.metadata")) };
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

  // ---- jslib.k6.io/k6-utils (imported by URL; loadpy/js/modules.py maps the URL here) -------------
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

  // ---- timers: global, and k6/timers (the iteration ends when none is left, as in k6) -------------
  const timers = new Map();
  let timerSeq = 0;
  function addTimer(fn, ms, args, repeat) {
    if (typeof fn !== "function") throw new TypeError("a timer needs a function as its first argument");
    const delay = Math.max(0, Number(ms) || 0);
    const id = ++timerSeq;
    timers.set(id, { fn, args, delay, repeat, due: Date.now() + delay, seq: id });
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
  const setTimeout_ = (fn, ms, ...args) => addTimer(fn, ms, args, false);
  const setInterval_ = (fn, ms, ...args) => addTimer(fn, ms, args, true);
  const clearTimer = (id) => void timers.delete(id);
  Object.assign(globalThis, { setTimeout: setTimeout_, clearTimeout: clearTimer, setInterval: setInterval_, clearInterval: clearTimer });
  module("k6/timers", { setTimeout: setTimeout_, clearTimeout: clearTimer, setInterval: setInterval_, clearInterval: clearTimer });

  // ---- the lifecycle, called from Python -------------------------------------------------------
  let main = null;
  let data;
  let settled = null;
  return {
    define(id, deps, fn) {
      defs[id] = { deps, fn };
    },
    load,
    named,
    star,
    builtins: () => Object.keys(builtin).concat(Object.keys(lazyBuiltin)),
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
    // ms until the earliest timer is due, -1 when there is none
    nextTimer() {
      const found = earliestTimer();
      return found === null ? -1 : Math.max(0, found[1].due - Date.now());
    },
    fireTimer() {
      const found = earliestTimer();
      if (found === null) return;
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
      globalThis.__ITER = iter;
      if (timers.size !== 0) timers.clear(); // what an earlier, failed iteration left
      const fn = main[name];
      if (typeof fn !== "function") throw new Error(`function '${name}' not found in exports`);
      const result = withData ? fn(data) : fn();
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
      return timers.size ? "\u0001T" + (json === undefined ? "" : json) : json; // Python waits for timers
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
  };
})();
var __lp_define = __lp.define, __lp_default = (m) => __lp.named(m, "default"), __lp_named = __lp.named, __lp_star = __lp.star;
