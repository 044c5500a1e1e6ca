"""`loadpy k8s render`: a k6-operator TestRun becomes a KubeRay RayJob that runs `loadpy run --engine ray`."""

from __future__ import annotations

import shlex
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from loadpy.cluster.k8s import render
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

TESTRUN = """
apiVersion: k6.io/v1alpha1
kind: TestRun
metadata:
  name: checkout-load
  namespace: perf
spec:
  parallelism: 4
  separate: true
  cleanup: post
  arguments: --vus 40 --duration 5m --tag "team=shop floor"
  script:
    configMap:
      name: checkout-script
      file: checkout.js
  runner:
    image: registry.example.com/loadpy:0.1.0
    env:
      - name: BASE_URL
        value: https://shop.example.com
    resources:
      limits:
        cpu: 2500m
        memory: 2Gi
    nodeSelector:
      pool: load
    serviceAccountName: load
    metadata:
      annotations:
        sidecar.istio.io/inject: "false"
"""


def _render(tmp_path: Path, text: str, image: str | None = None) -> dict[str, Any]:
    path = tmp_path / "testrun.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    manifest = render(str(path), image)
    assert "&id" not in manifest and "*id" not in manifest  # every template in full, no YAML aliases
    data = yaml.safe_load(manifest)
    assert isinstance(data, dict)
    return data


def _pods(job: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    cluster = job["spec"]["rayClusterSpec"]
    (group,) = cluster["workerGroupSpecs"]
    return cluster["headGroupSpec"], group, group["template"]["spec"]


def test_a_testrun_becomes_a_rayjob_with_one_worker_pod_per_runner(tmp_path: Path) -> None:
    job = _render(tmp_path, TESTRUN)
    assert (job["apiVersion"], job["kind"]) == ("ray.io/v1", "RayJob")
    assert job["metadata"] == {"name": "checkout-load", "namespace": "perf"}
    spec = job["spec"]
    assert spec["shutdownAfterJobFinishes"] is True  # cleanup: post
    # the run: in the script's directory, one agent per worker pod, one worker per whole CPU of the limit
    directory, command = spec["entrypoint"].split(" && ")
    assert directory == "cd /scripts"
    assert shlex.split(command) == [
        "loadpy", "run", "--engine", "ray", "--ray-address", "auto", "--nodes", "4", "--workers-per-node", "2",
        "--vus", "40", "--duration", "5m", "--tag", "team=shop floor", "checkout.js",
    ]  # fmt: skip
    head, group, worker = _pods(job)
    assert spec["rayClusterSpec"]["rayVersion"] == "2.60.0"
    assert head["rayStartParams"] == {"num-cpus": "0"}  # the coordinator only: no agent lands on the head
    assert (group["replicas"], group["minReplicas"], group["maxReplicas"]) == (4, 4, 4)
    # the script ConfigMap, mounted in every pod
    volume = {"name": "loadpy-script", "configMap": {"name": "checkout-script"}}
    mount = {"name": "loadpy-script", "mountPath": "/scripts", "readOnly": True}
    for pod in (head["template"]["spec"], worker):
        assert pod["volumes"] == [volume]
        (container,) = pod["containers"]
        assert container["volumeMounts"] == [mount]
        assert container["image"] == "registry.example.com/loadpy:0.1.0"
        assert pod["serviceAccountName"] == "load"
        # token auth for every Ray process, from a Secret the user creates; then the runner's env
        assert [e["name"] for e in container["env"]] == ["RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "BASE_URL"]
        assert container["env"][1]["valueFrom"] == {"secretKeyRef": {"name": "checkout-load-ray-token", "key": "token"}}
    # the runner pod template on the workers: resources, placement, annotations
    assert worker["containers"][0]["resources"] == {"limits": {"cpu": "2500m", "memory": "2Gi"}}
    assert "resources" not in head["template"]["spec"]["containers"][0]
    assert worker["nodeSelector"] == {"pool": "load"}
    assert group["template"]["metadata"]["annotations"] == {"sidecar.istio.io/inject": "false"}
    # separate: true → at most one worker pod of this run per Kubernetes node
    assert worker["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == [
        {
            "labelSelector": {"matchLabels": {"loadpy.io/testrun": "checkout-load", "loadpy.io/role": "worker"}},
            "topologyKey": "kubernetes.io/hostname",
        }
    ]
    assert group["template"]["metadata"]["labels"]["loadpy.io/role"] == "worker"
    submitter = spec["submitterPodTemplate"]["spec"]["containers"][0]
    assert [e["name"] for e in submitter["env"]] == ["RAY_AUTH_MODE", "RAY_AUTH_TOKEN"]


def test_defaults_a_volume_claim_and_no_cleanup(tmp_path: Path) -> None:
    job = _render(
        tmp_path,
        """
        apiVersion: k6.io/v1alpha1
        kind: TestRun
        metadata: {name: t}
        spec:
          parallelism: 2
          quiet: "true"
          script:
            volumeClaim: {name: scripts-pvc}
        """,
        image="loadpy:test",
    )
    _, _, worker = _pods(job)
    assert job["spec"]["shutdownAfterJobFinishes"] is False
    assert job["spec"]["entrypoint"] == (
        "cd /scripts && loadpy run --engine ray --ray-address auto --nodes 2 --workers-per-node 1 -q test.js"
    )
    assert worker["volumes"] == [{"name": "loadpy-script", "persistentVolumeClaim": {"claimName": "scripts-pvc"}}]
    assert "affinity" not in worker
    assert worker["containers"][0]["image"] == "loadpy:test"


def test_a_local_file_runs_from_its_own_directory(tmp_path: Path) -> None:
    job = _render(
        tmp_path,
        """
        apiVersion: k6.io/v1alpha1
        kind: TestRun
        metadata: {name: t}
        spec: {parallelism: 1, script: {localFile: /tests/api/smoke.py}, runner: {image: me/loadpy:1}}
        """,
    )
    assert job["spec"]["entrypoint"].startswith("cd /tests/api && loadpy run ")
    assert job["spec"]["entrypoint"].endswith(" smoke.py")
    assert _pods(job)[2]["volumes"] == []


BAD = {
    "unknown spec field": (
        "spec: {parallelism: 2, script: {localFile: /t.js}, runner: {image: x}, sharding: 3}",
        "line 4, key 'spec.sharding': spec.sharding is not a TestRun field loadpy knows",
    ),
    "starter": (
        "spec: {parallelism: 2, script: {localFile: /t.js}, runner: {image: x}, starter: {image: y}}",
        "line 4, key 'spec.starter': spec.starter has no equivalent with loadpy: the coordinator starts every "
        "worker on one signal; there is no starter pod",
    ),
    "no parallelism": (
        "spec: {script: {localFile: /t.js}, runner: {image: x}}",
        "line 4, key 'spec': spec.parallelism must be a whole number of 1 or more",
    ),
    "k6's image": (
        "spec: {parallelism: 1, script: {localFile: /t.js}, runner: {image: grafana/k6:1.1.0}}",
        "line 4, key 'spec.runner.image': the pods need an image with loadpy[ray] and Ray 2.60.0 (the runner "
        "image is k6's or not set): give one with --image",
    ),
    "a segment flag": (
        "spec: {parallelism: 1, script: {localFile: /t.js}, runner: {image: x}, arguments: --execution-segment 0:1}",
        "line 4, key 'spec.arguments': arguments: --execution-segment is set by the RayJob (from parallelism); "
        "leave it out",
    ),
    "a bad flag": (
        "spec: {parallelism: 1, script: {localFile: /t.js}, runner: {image: x}, arguments: --vus=-3}",
        "line 4, key 'spec.arguments': arguments '--vus=-3': argument -u/--vus: must not be negative: '-3' "
        "(see 'loadpy run --help')",
    ),
    "cleanup": (
        "spec: {parallelism: 1, script: {localFile: /t.js}, runner: {image: x}, cleanup: always}",
        "line 4, key 'spec.cleanup': spec.cleanup 'always': the only value is \"post\"",
    ),
    "a runner field": (
        "spec: {parallelism: 1, script: {localFile: /t.js}, runner: {image: x, initContainers: []}}",
        "line 4, key 'spec.runner.initContainers': spec.runner.initContainers is not carried over to the Ray pods",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_paragraph_and_exit_104(tmp_path: Path, case: str) -> None:
    spec, message = BAD[case]
    path = tmp_path / "testrun.yaml"
    path.write_text(f"apiVersion: k6.io/v1alpha1\nkind: TestRun\nmetadata: {{name: t}}\n{spec}\n", encoding="utf-8")
    out = tmp_path / "rayjob.yaml"
    done = subprocess.run(
        loadpy_cmd("k8s", "render", str(path), "-o", str(out)),
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    assert done.returncode == 104
    assert done.stderr == f"loadpy: error: {path}, {message}\n"
    assert not out.exists()


def test_the_command_writes_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "testrun.yaml"
    path.write_text(textwrap.dedent(TESTRUN).lstrip(), encoding="utf-8")
    out = tmp_path / "rayjob.yaml"
    cmd = loadpy_cmd("k8s", "render", str(path), "--image", "me/loadpy:2", "-o", str(out))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    job = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"] == "me/loadpy:2"
