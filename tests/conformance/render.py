"""Render one Case as a k6 script and as a loadpy scenario YAML (same options, same flows)."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.conformance.model import Case, Check

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# the `{{ ... }}` expressions the cases use, and their JS: setup data (the flow's `data`) and env lookups
_EXPR_REF = re.compile(r"\{\{\s*(setup_data|env)\[\s*[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']\s*\]\s*\}\}")
_EXPR_JS = {"setup_data": "data", "env": "E"}
_METRIC_CLASSES = {"counter": "Counter", "gauge": "Gauge", "rate": "Rate", "trend": "Trend"}


# --- loadpy ---------------------------------------------------------------------------------------


def _yaml_value(value: Any) -> Any:
    if isinstance(value, Check):
        return value.py
    if isinstance(value, dict):
        return {k: _yaml_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_yaml_value(v) for v in value]
    return value


def render_loadpy(case: Case, base_url: str) -> str:
    doc: dict[str, Any] = {"env": {"BASE_URL": base_url, **case.env}}
    if case.options is not None:
        doc["options"] = case.options
    if case.metrics:
        doc["metrics"] = case.metrics
    if case.http is not None:
        doc["http"] = case.http
    doc["flows"] = _yaml_value(case.flows)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


# --- k6 -------------------------------------------------------------------------------------------


def _js_template(text: str) -> str:
    """A loadpy `${NAME}` string as a JS template literal over the merged env object `E`."""
    escaped = text.replace("\\", "\\\\").replace("`", "\\`")
    escaped = _ENV_REF.sub(lambda mt: "${E[" + json.dumps(mt.group(1)) + "]}", escaped)
    escaped = _EXPR_REF.sub(lambda mt: "${" + _EXPR_JS[mt.group(1)] + "[" + json.dumps(mt.group(2)) + "]}", escaped)
    return "`" + escaped + "`"


def _js_statuses(spec: list[Any]) -> str:
    """A YAML expected_statuses list as k6's http.expectedStatuses(...) call."""
    return "http.expectedStatuses(" + ", ".join(json.dumps(item) for item in spec) + ")"


def _js_value(value: Any) -> str:
    """A YAML value as JS: strings are env templates, containers recurse."""
    if isinstance(value, str):
        return _js_template(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_js_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_js_value(v) for v in value) + "]"
    return json.dumps(value)


def _js_options(value: Any) -> str:
    """Options as JSON, except that strings and keys holding `${NAME}` become template literals over `E`."""
    if isinstance(value, dict):
        keys = [f"[{_js_template(k)}]" if _ENV_REF.search(k) else json.dumps(k) for k in value]
        return "{" + ", ".join(f"{k}: {_js_options(v)}" for k, v in zip(keys, value.values(), strict=True)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_js_options(v) for v in value) + "]"
    if isinstance(value, str) and _ENV_REF.search(value):
        return _js_template(value)
    return json.dumps(value)


def _js_steps(steps: list[dict[str, Any]], indent: str) -> list[str]:
    out: list[str] = []
    for step in steps:
        if "request" in step:
            out.extend(_js_request(step, indent))
        elif "sleep" in step:
            value = step["sleep"]
            if isinstance(value, list | tuple):
                lo, hi = value
                out.append(f"{indent}sleep({lo} + Math.random() * {hi - lo});")
            else:
                out.append(f"{indent}sleep({value});")
        elif "group" in step:
            out.append(f"{indent}group({json.dumps(step['group'])}, () => {{")
            out.extend(_js_steps(step.get("steps", []), indent + "  "))
            out.append(f"{indent}}});")
        elif "abort" in step or "fail" in step:
            kind = "abort" if "abort" in step else "fail"
            call = f"exec.test.{kind}({_js_template(str(step[kind]))});"
            out.append(f"{indent}if ({step['if'].js}) {call}" if "if" in step else f"{indent}{call}")
        elif "return" in step:
            out.append(f"{indent}return {_js_value(step['return'])};")
        elif "batch" in step:
            out.extend(_js_batch(step["batch"], indent))
        elif "metric" in step:
            spec = step["metric"]
            tags = f", {_js_value(spec['tags'])}" if spec.get("tags") else ""
            out.append(f"{indent}M[{json.dumps(spec['name'])}].add({json.dumps(spec['value'])}{tags});")
        else:
            raise ValueError(f"the k6 renderer does not know step {step!r}")
    return out


def _js_params(req: dict[str, Any]) -> str:
    params: dict[str, Any] = {}
    tags = dict(req.get("tags") or {})
    if req.get("name"):
        tags["name"] = req["name"]
    if tags:
        params["tags"] = tags
    if req.get("headers"):
        params["headers"] = req["headers"]
    if req.get("timeout") is not None:
        params["timeout"] = req["timeout"]
    if req.get("redirects") is not None:
        params["redirects"] = req["redirects"]
    if req.get("response_type") is not None:
        params["responseType"] = req["response_type"]
    js = _js_value(params)
    if "expected_statuses" in req:  # a JS call, not a value: spliced in after rendering the rest
        spec = req["expected_statuses"]
        callback = "null" if spec is None else _js_statuses(spec)
        js = js[:-1] + (", " if params else "") + f"responseCallback: {callback}}}"
    return js


def _js_checks(step: dict[str, Any], response: str, indent: str) -> list[str]:
    checks: dict[str, Check] = step.get("checks") or {}
    if not checks:
        return []
    entries = ", ".join(f"{json.dumps(name)}: (r) => {chk.js}" for name, chk in checks.items())
    return [f"{indent}check({response}, {{{entries}}});"]


def _js_request(step: dict[str, Any], indent: str) -> list[str]:
    req = step["request"]
    body = _js_value(req["body"]) if "body" in req else "null"
    method = json.dumps(str(req.get("method", "GET")).upper())
    call = f"http.request({method}, {_js_template(req['url'])}, {body}, {_js_params(req)})"
    return [f"{indent}{{", f"{indent}  const r = {call};", *_js_checks(step, "r", indent + "  "), f"{indent}}}"]


def _js_batch(items: list[dict[str, Any]], indent: str) -> list[str]:
    """`batch: [{request: {...}, checks: {...}}, ...]` as one http.batch call, checks on each response."""
    reqs = []
    for item in items:
        req = item["request"]
        body = _js_value(req["body"]) if "body" in req else "null"
        method = json.dumps(str(req.get("method", "GET")).upper())
        reqs.append(f"[{method}, {_js_template(req['url'])}, {body}, {_js_params(req)}]")
    lines = [f"{indent}{{", f"{indent}  const rs = http.batch([{', '.join(reqs)}]);"]
    for i, item in enumerate(items):
        lines.extend(_js_checks(item, f"rs[{i}]", indent + "  "))
    return [*lines, f"{indent}}}"]


def _js_metric(name: str, spec: Any) -> str:
    kind, is_time = (spec, False) if isinstance(spec, str) else (spec["type"], bool(spec.get("time")))
    cls = _METRIC_CLASSES[kind]
    return f"  {json.dumps(name)}: new {cls}({json.dumps(name)}{', true' if is_time else ''}),"


def render_k6(case: Case, base_url: str) -> str:
    env = {"BASE_URL": base_url, **case.env}
    lines = [
        "import http from 'k6/http';",
        "import { check, group, sleep } from 'k6';",
        "import exec from 'k6/execution';",
        "import { Counter, Gauge, Rate, Trend } from 'k6/metrics';",
        "",
        "// loadpy's env: block gives defaults; the process environment and -e override them",
        f"const E = Object.assign({json.dumps(env)}, __ENV);",
        "const M = {",
        *(_js_metric(name, spec) for name, spec in case.metrics.items()),
        "};",
    ]
    if case.http is not None and "expected_statuses" in case.http:
        spec = case.http["expected_statuses"]
        lines.append(f"http.setResponseCallback({'null' if spec is None else _js_statuses(spec)});")
    if case.options is not None:
        lines.append(f"export const options = {_js_options(case.options)};")
    for flow, steps in case.flows.items():
        # every flow but setup receives setup()'s return value as `data` (k6 passes it to each call)
        if flow == "default":
            head = "export default function (data)"
        else:
            head = f"export function {flow}({'' if flow == 'setup' else 'data'})"
        lines.append(f"{head} {{")
        lines.extend(_js_steps(steps, "  "))
        lines.append("}")
    return "\n".join(lines) + "\n"
