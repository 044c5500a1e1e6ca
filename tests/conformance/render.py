"""Render one Case as a k6 script and as a loadpy scenario YAML (same options, same flows)."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.conformance.model import Case, Check

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
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
    doc["flows"] = _yaml_value(case.flows)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


# --- k6 -------------------------------------------------------------------------------------------


def _js_template(text: str) -> str:
    """A loadpy `${NAME}` string as a JS template literal over the merged env object `E`."""
    escaped = text.replace("\\", "\\\\").replace("`", "\\`")
    return "`" + _ENV_REF.sub(lambda mt: "${E[" + json.dumps(mt.group(1)) + "]}", escaped) + "`"


def _js_value(value: Any) -> str:
    """A YAML value as JS: strings are env templates, containers recurse."""
    if isinstance(value, str):
        return _js_template(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_js_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_js_value(v) for v in value) + "]"
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
        elif "metric" in step:
            spec = step["metric"]
            tags = f", {_js_value(spec['tags'])}" if spec.get("tags") else ""
            out.append(f"{indent}M[{json.dumps(spec['name'])}].add({json.dumps(spec['value'])}{tags});")
        else:
            raise ValueError(f"the k6 renderer does not know step {step!r}")
    return out


def _js_request(step: dict[str, Any], indent: str) -> list[str]:
    req = step["request"]
    params: dict[str, Any] = {}
    tags = dict(req.get("tags") or {})
    if req.get("name"):
        tags["name"] = req["name"]
    if tags:
        params["tags"] = tags
    if req.get("headers"):
        params["headers"] = req["headers"]
    body = _js_value(req["body"]) if "body" in req else "null"
    method = json.dumps(str(req.get("method", "GET")).upper())
    call = f"http.request({method}, {_js_template(req['url'])}, {body}, {_js_value(params)})"
    lines = [f"{indent}{{", f"{indent}  const r = {call};"]
    checks: dict[str, Check] = step.get("checks") or {}
    if checks:
        entries = ", ".join(f"{json.dumps(name)}: (r) => {chk.js}" for name, chk in checks.items())
        lines.append(f"{indent}  check(r, {{{entries}}});")
    lines.append(f"{indent}}}")
    return lines


def _js_metric(name: str, spec: Any) -> str:
    kind, is_time = (spec, False) if isinstance(spec, str) else (spec["type"], bool(spec.get("time")))
    cls = _METRIC_CLASSES[kind]
    return f"  {json.dumps(name)}: new {cls}({json.dumps(name)}{', true' if is_time else ''}),"


def render_k6(case: Case, base_url: str) -> str:
    env = {"BASE_URL": base_url, **case.env}
    lines = [
        "import http from 'k6/http';",
        "import { check, group, sleep } from 'k6';",
        "import { Counter, Gauge, Rate, Trend } from 'k6/metrics';",
        "",
        "// loadpy's env: block gives defaults; the process environment and -e override them",
        f"const E = Object.assign({json.dumps(env)}, __ENV);",
        "const M = {",
        *(_js_metric(name, spec) for name, spec in case.metrics.items()),
        "};",
    ]
    if case.options is not None:
        lines.append(f"export const options = {json.dumps(case.options, indent=1)};")
    for flow, steps in case.flows.items():
        head = "export default function ()" if flow == "default" else f"export function {flow}()"
        lines.append(f"{head} {{")
        lines.extend(_js_steps(steps, "  "))
        lines.append("}")
    return "\n".join(lines) + "\n"
