"""`loadpy k8s render TESTRUN.yaml`: a k6-operator TestRun as a KubeRay RayJob running `loadpy run --engine ray`.

What the TestRun says and where it goes in the RayJob:

* `parallelism: P`        → P Ray worker pods (one node agent each: `--nodes P`); the head pod runs only the
                             coordinator (`num-cpus: 0`, so no agent lands there)
* `script.configMap`      → the ConfigMap mounted at /scripts in every pod; `script.volumeClaim` likewise;
  `script.localFile`       a path in the image. The run starts in the script's directory, which reaches
                             the nodes as Ray's job working directory.
* `arguments`             → `loadpy run` flags, checked here as `loadpy run` checks them
* `runner`                → the worker pods' template: image, env, envFrom, resources (a CPU limit sets
                             `--workers-per-node`: one worker per whole CPU), nodeSelector, tolerations,
                             affinity, serviceAccountName, securityContext, imagePullSecrets, metadata;
                             the head gets the image, env, envFrom, serviceAccountName and imagePullSecrets
* `separate: true`        → a required pod anti-affinity: at most one worker pod per Kubernetes node
* `cleanup: post`         → `shutdownAfterJobFinishes: true` (the cluster goes when the run ends)
* `quiet`, `paused`       → `-q`, `--paused`

Every pod gets RAY_AUTH_MODE=token and RAY_AUTH_TOKEN from the Secret `<name>-ray-token` (key `token`),
which the user creates. Fields that have no meaning here (initializer, starter, cloud token and
test-run id) are refused, as is anything unknown: bad input is exit 104 naming the file, line and key.
"""

from __future__ import annotations

import math
import shlex
from typing import Any

from loadpy.cli.args import ArgumentParser, add_run_flags
from loadpy.config.loader import read_text
from loadpy.config.yaml_source import KeyPath, format_keypath, read_yaml
from loadpy.errors import ConfigError

RAY_VERSION = "2.60.0"
SCRIPT_DIR = "/scripts"
K6_IMAGES = ("grafana/k6", "loadimpact/k6", "ghcr.io/grafana/k6")
RUNNER_TO_WORKER = ("nodeSelector", "tolerations", "affinity", "securityContext")
RUNNER_TO_BOTH = ("serviceAccountName", "imagePullSecrets")
RUNNER_KEYS = frozenset(
    {"image", "env", "envFrom", "resources", "metadata", *RUNNER_TO_WORKER, *RUNNER_TO_BOTH, "imagePullPolicy"}
)
SPEC_KEYS = frozenset({"parallelism", "script", "arguments", "runner", "separate", "cleanup", "quiet", "paused"})
REFUSED = {
    "initializer": "loadpy checks the script in the head pod itself, before any worker starts",
    "starter": "the coordinator starts every worker on one signal; there is no starter pod",
    "token": "Grafana Cloud k6 is not a loadpy output",
    "testRunId": "Grafana Cloud k6 is not a loadpy output",
}
# `loadpy run` flags the RayJob sets itself
OWN_FLAGS = ("--engine", "--ray-address", "--nodes", "--workers", "--execution-segment", "--execution-segment-sequence")


class _Doc:
    """The TestRun with the line of every key, for errors that point at it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.data, self.lines = read_yaml(read_text(path, "TestRun manifest"), path)

    def error(self, keypath: KeyPath, message: str) -> ConfigError:
        line = self.lines.get(keypath)
        while line is None and keypath:
            keypath = keypath[:-1]
            line = self.lines.get(keypath)
        return ConfigError(message, file=self.path, line=line, key=format_keypath(keypath) or None)

    def mapping(self, keypath: KeyPath, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(keypath, f"{format_keypath(keypath)} must be a mapping")
        return value


def load_testrun(path: str) -> _Doc:
    doc = _Doc(path)
    data = doc.mapping((), doc.data)
    kind, api = data.get("kind"), str(data.get("apiVersion", ""))
    if kind not in ("TestRun", "K6") or not api.startswith("k6.io/"):
        raise doc.error(("kind",), f"expected a k6-operator TestRun (apiVersion k6.io/v1alpha1), got {api} {kind}")
    return doc


def _workers_per_node(doc: _Doc, resources: dict[str, Any]) -> int:
    """One worker per whole CPU of the pod's CPU limit (or request); 1 without either."""
    cpu = (resources.get("limits") or {}).get("cpu") or (resources.get("requests") or {}).get("cpu")
    if cpu is None:
        return 1
    text = str(cpu)
    try:
        cores = float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    except ValueError:
        raise doc.error(("spec", "runner", "resources"), f"runner CPU {text!r} is not a Kubernetes quantity") from None
    return max(1, math.floor(cores))


def _arguments(doc: _Doc, text: Any) -> list[str]:
    """The TestRun's `arguments`, checked by `loadpy run`'s own parser."""
    keypath = ("spec", "arguments")
    try:
        args = shlex.split(str(text or ""))
    except ValueError as exc:
        raise doc.error(keypath, f"arguments: {exc}") from None
    for arg in args:
        flag = arg.split("=", 1)[0]
        if flag in OWN_FLAGS:
            raise doc.error(keypath, f"arguments: {flag} is set by the RayJob (from parallelism); leave it out")
    try:
        parser = ArgumentParser(prog="loadpy run")
        add_run_flags(parser)
        parser.parse_args([*args, "script"])
    except ConfigError as exc:
        raise doc.error(keypath, f"arguments {text!r}: {exc.message}") from None
    return args


def _script(doc: _Doc, script: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(the script's path in the pods, volumes, volume mounts)."""
    keypath = ("spec", "script")
    sources = [k for k in ("configMap", "volumeClaim", "localFile") if k in script]
    if len(sources) != 1:
        raise doc.error(keypath, "script needs exactly one of configMap, volumeClaim, localFile")
    source = sources[0]
    if source == "localFile":
        return str(script["localFile"]), [], []
    ref = doc.mapping((*keypath, source), script[source])
    if not ref.get("name"):
        raise doc.error((*keypath, source), f"script.{source}.name is missing")
    file = str(ref.get("file") or "test.js")
    if source == "configMap":
        volume = {"name": "loadpy-script", "configMap": {"name": ref["name"]}}
    else:
        volume = {"name": "loadpy-script", "persistentVolumeClaim": {"claimName": ref["name"]}}
    mount = {"name": "loadpy-script", "mountPath": SCRIPT_DIR, "readOnly": bool(ref.get("readOnly", True))}
    return f"{SCRIPT_DIR}/{file}", [volume], [mount]


def _auth_env(name: str) -> list[dict[str, Any]]:
    secret = {"secretKeyRef": {"name": f"{name}-ray-token", "key": "token"}}
    return [{"name": "RAY_AUTH_MODE", "value": "token"}, {"name": "RAY_AUTH_TOKEN", "valueFrom": secret}]


def render_rayjob(doc: _Doc, image: str | None = None) -> dict[str, Any]:
    """The RayJob manifest (a dict, for YAML) equivalent to the TestRun in `doc`."""
    data = doc.data
    meta = doc.mapping(("metadata",), data.get("metadata") or {})
    name = str(meta.get("name") or "")
    if not name:
        raise doc.error(("metadata",), "metadata.name is missing")
    spec = doc.mapping(("spec",), data.get("spec"))
    for key in spec:
        if key in REFUSED:
            raise doc.error(("spec", key), f"spec.{key} has no equivalent with loadpy: {REFUSED[key]}")
        if key not in SPEC_KEYS:
            raise doc.error(("spec", key), f"spec.{key} is not a TestRun field loadpy knows")
    parallelism = spec.get("parallelism")
    if not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 1:
        raise doc.error(("spec", "parallelism"), "spec.parallelism must be a whole number of 1 or more")
    script_path, volumes, mounts = _script(doc, doc.mapping(("spec", "script"), spec.get("script")))
    runner = doc.mapping(("spec", "runner"), spec.get("runner") or {})
    for key in runner:
        if key not in RUNNER_KEYS:
            raise doc.error(("spec", "runner", key), f"spec.runner.{key} is not carried over to the Ray pods")
    cleanup = spec.get("cleanup")
    if cleanup not in (None, "post"):
        raise doc.error(("spec", "cleanup"), f'spec.cleanup {cleanup!r}: the only value is "post"')
    image = image or runner.get("image")
    if not image or str(image).startswith(K6_IMAGES):
        raise doc.error(
            ("spec", "runner", "image"),
            "the pods need an image with loadpy[ray] and Ray " + RAY_VERSION + " (the runner image is k6's or "
            "not set): give one with --image",
        )
    resources = doc.mapping(("spec", "runner", "resources"), runner.get("resources") or {})
    flags = ["--engine", "ray", "--ray-address", "auto", "--nodes", str(parallelism)]
    flags += ["--workers-per-node", str(_workers_per_node(doc, resources))]
    flags += ["-q"] if str(spec.get("quiet", "false")).lower() == "true" else []
    flags += ["--paused"] if str(spec.get("paused", "false")).lower() == "true" else []
    flags += _arguments(doc, spec.get("arguments"))
    directory, _, file = script_path.rpartition("/")
    entrypoint = f"cd {shlex.quote(directory or '.')} && loadpy run {shlex.join([*flags, file])}"

    env = [*_auth_env(name), *(runner.get("env") or [])]
    labels = {"app.kubernetes.io/managed-by": "loadpy", "loadpy.io/testrun": name}
    container: dict[str, Any] = {"image": image, "env": env, "volumeMounts": mounts}
    for key in ("envFrom", "imagePullPolicy"):
        if key in runner:
            container[key] = runner[key]
    both = {key: runner[key] for key in RUNNER_TO_BOTH if key in runner}
    head_pod = {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "ray-head", **container}], "volumes": volumes, **both},
    }
    runner_meta = doc.mapping(("spec", "runner", "metadata"), runner.get("metadata") or {})
    worker_spec: dict[str, Any] = {
        "containers": [{"name": "ray-worker", **container, **({"resources": resources} if resources else {})}],
        "volumes": volumes,
        **both,
        **{key: runner[key] for key in RUNNER_TO_WORKER if key in runner},
    }
    if spec.get("separate") is True:
        worker_spec["affinity"] = _separate(worker_spec.get("affinity"), name)
    worker_pod = {
        "metadata": {
            "labels": {**(runner_meta.get("labels") or {}), **labels, "loadpy.io/role": "worker"},
            **({"annotations": runner_meta["annotations"]} if runner_meta.get("annotations") else {}),
        },
        "spec": worker_spec,
    }
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": name, **({"namespace": meta["namespace"]} if meta.get("namespace") else {})},
        "spec": {
            "entrypoint": entrypoint,
            "shutdownAfterJobFinishes": cleanup == "post",
            "submitterPodTemplate": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "ray-job-submitter", "image": image, "env": _auth_env(name)}],
                }
            },
            "rayClusterSpec": {
                "rayVersion": RAY_VERSION,
                "headGroupSpec": {"rayStartParams": {"num-cpus": "0"}, "template": head_pod},
                "workerGroupSpecs": [
                    {
                        "groupName": "loadpy-workers",
                        "replicas": parallelism,
                        "minReplicas": parallelism,
                        "maxReplicas": parallelism,
                        "rayStartParams": {},
                        "template": worker_pod,
                    }
                ],
            },
        },
    }


def _separate(affinity: Any, name: str) -> dict[str, Any]:
    """`separate: true`: no two worker pods of this run on one Kubernetes node."""
    out = dict(affinity or {})
    anti = dict(out.get("podAntiAffinity") or {})
    rules = list(anti.get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    rules.append(
        {
            "labelSelector": {"matchLabels": {"loadpy.io/testrun": name, "loadpy.io/role": "worker"}},
            "topologyKey": "kubernetes.io/hostname",
        }
    )
    anti["requiredDuringSchedulingIgnoredDuringExecution"] = rules
    out["podAntiAffinity"] = anti
    return out


def render(path: str, image: str | None = None) -> str:
    """The RayJob YAML for the TestRun file at `path`."""
    import yaml

    class _Plain(yaml.SafeDumper):  # every pod template written out in full: no &anchors/*aliases
        def ignore_aliases(self, data: Any) -> bool:
            return True

    manifest = render_rayjob(load_testrun(path), image)
    return str(yaml.dump(manifest, Dumper=_Plain, sort_keys=False, allow_unicode=True, width=1 << 16))
