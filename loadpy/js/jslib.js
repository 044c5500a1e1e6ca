// jslib.k6.io libraries written in JavaScript (loadpy/js/jslib.py has the Python ones): they wrap
// k6/http's request functions so that every request carries a trace header (http-instrumentation-
// tempo) or Pyroscope's baggage header (http-instrumentation-pyroscope).
var __lp_jslib = function () {  // (no parentheses: see prelude.js)
  const VERBS = { get: "GET", head: "HEAD", del: "DELETE", options: "OPTIONS", patch: "PATCH", post: "POST", put: "PUT" };

  // args are (body, params, ...) after the URL: the headers go into params, made if missing
  function withHeaders(headers, args) {
    if (args.length === 0) args.push(null);
    if (args.length === 1) {
      args.push({ headers });
      return args;
    }
    if (args[1] === null || args[1] === undefined) args[1] = {};
    const params = args[1];
    if (params.headers === null || params.headers === undefined) params.headers = {};
    Object.assign(params.headers, headers);
    return args;
  }

  // An object with request/asyncRequest and the verbs, adding makeHeaders(url, body, params) to each
  // request sent through k6/http's original functions.
  function client(target, makeHeaders) {
    const http = __lp.load("k6/http");
    const request = http.request;
    const asyncRequest = http.asyncRequest;
    target.request = (method, url, ...args) => request(method, url, ...withHeaders(makeHeaders(url, ...args), args));
    target.asyncRequest = (method, url, ...args) => asyncRequest(method, url, ...withHeaders(makeHeaders(url, ...args), args));
    for (const verb of Object.keys(VERBS)) {
      const bodyless = verb === "get" || verb === "head";
      target[verb] = bodyless ? (url, ...args) => target.request(VERBS[verb], url, null, ...args) : (url, ...args) => target.request(VERBS[verb], url, ...args);
    }
    return target;
  }

  function instrument(made) {
    const http = __lp.load("k6/http");
    for (const name of ["request", "asyncRequest", ...Object.keys(VERBS)]) http[name] = made[name];
  }

  // ---- http-instrumentation-tempo ------------------------------------------------------------
  const hex = (n) => {
    let out = "";
    for (let i = 0; i < n; i++) out += "0123456789abcdef"[Math.floor(16 * Math.random())];
    return out;
  };

  // "dc0718" (k6's prefix), the current time in ns as bytes without leading zeros, random bytes: 16 bytes
  function traceId() {
    let ns = Date.now() * 1e6;
    const bytes = [];
    while (ns >= 1 && bytes.length < 8) {
      const low = ns % 256;
      bytes.unshift(low);
      ns = (ns - low) / 256;
    }
    const stamp = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
    return "dc0718" + stamp + hex(32 - 6 - stamp.length);
  }

  const PROPAGATORS = {
    w3c: (sampled, id) => ({ traceparent: `00-${id}-${hex(16)}-${sampled ? "01" : "00"}` }),
    jaeger: (sampled, id) => ({ "uber-trace-id": `${id}:${hex(8)}:0:${sampled ? "1" : "0"}` }),
  };

  function sampler(rate) {
    if (rate < 0 || rate > 1) throw "sampling rate must be between 0.0 and 1.0";
    if (rate === undefined || rate === 1) return () => true;
    if (rate === 0) return () => false;
    return () => Math.random() < rate;
  }

  function TempoClient(opts) {
    if (!(this instanceof TempoClient)) throw new TypeError("Class constructor Client cannot be invoked without 'new'");
    const configure = (o) => {
      const propagate = PROPAGATORS[o.propagator];
      if (propagate === undefined) throw "unknown propagator: " + o.propagator;
      const sampled = sampler(o.sampling);
      client(this, () => propagate(sampled(), traceId()));
    };
    this.configure = configure;
    configure(opts);
  }

  // ---- http-instrumentation-pyroscope --------------------------------------------------------
  function baggage(url, body, params) {
    const exec = __lp.load("k6/execution");
    const name = params && params.tags && params.tags.name ? params.tags.name : url;
    return { baggage: `k6.test_run_id=${__ENV.K6_CLOUDRUN_TEST_RUN_ID}, k6.scenario=${exec.scenario.name}, k6.name=${name}` };
  }

  function PyroscopeClient(generateHeaders) {
    this.generateHeaders = generateHeaders === null || generateHeaders === undefined ? baggage : generateHeaders;
    client(this, (...args) => this.generateHeaders(...args));
  }

  return {
    tempo(m) {
      m.Client = TempoClient;
      m.instrumentHTTP = (opts) => instrument(new TempoClient(opts));
    },
    pyroscope(m) {
      m.Client = PyroscopeClient;
      m.instrumentHTTP = () => instrument(new PyroscopeClient());
    },
  };
}();
