"""A graphql step whose document uses fragments, against the demo target: the request is tagged
with the selected operation's name and type, and the target answers the expanded selection."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.vu.helpers import build, run_vus, series

pytestmark = pytest.mark.timeout(60)

DOCUMENT = (
    "fragment Who on User { id name }\nquery Hello { hello }\nquery Person($id: ID!) { user(id: $id) { ...Who } }\n"
)


def test_fragment_documents_are_tagged_with_the_selected_operation(tmp_path: Path, demo_server: DemoServer) -> None:
    (tmp_path / "ops.graphql").write_text(DOCUMENT)
    runtime, registry = build(
        tmp_path,
        f"""
        flows:
          default:
            - graphql:
                url: {demo_server.base_url}/graphql
                query: {{file: ops.graphql}}
                operationName: Person
                variables: {{id: "3"}}
                expect: [user.id, user.name]
              checks:
                grace: 'json["data"]["user"] == {{"id": "3", "name": "Grace"}}'
    """,
    )
    asyncio.run(run_vus(runtime, vus=1, iterations=3))
    checks = {c.name: (c.passes, c.fails) for c in registry.groups.root.checks.values()}
    assert checks["grace"] == (3, 0) and checks["Person: no GraphQL errors"] == (3, 0)
    reqs = series(registry, "http_reqs")
    ops = {(dict(tags)["operation"], dict(tags)["operation_type"]): s.total for tags, s in reqs.items()}
    assert ops == {("Person", "query"): 3.0}
