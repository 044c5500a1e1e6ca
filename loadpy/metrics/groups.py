"""The group/check tree of a run, in first-seen order, with k6's paths and ids (md5 of the path)."""

from __future__ import annotations

import hashlib
from typing import Any

SEPARATOR = "::"


def node_id(path: str) -> str:
    return hashlib.md5(path.encode()).hexdigest()


class CheckNode:
    __slots__ = ("fails", "id", "name", "passes", "path", "sent")

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        self.id = node_id(path)
        self.passes = 0
        self.fails = 0
        self.sent: tuple[int, int] | None = None  # (passes, fails) at the last delta_state()


class GroupNode:
    __slots__ = ("checks", "groups", "id", "name", "parent", "path")

    def __init__(self, name: str, path: str, parent: GroupNode | None = None) -> None:
        self.name = name
        self.path = path
        self.id = node_id(path)
        self.parent = parent
        self.groups: dict[str, GroupNode] = {}
        self.checks: dict[str, CheckNode] = {}

    def group(self, name: str) -> GroupNode:
        """The child group `name`, created on first use."""
        child = self.groups.get(name)
        if child is None:
            validate_name(name)
            child = self.groups[name] = GroupNode(name, f"{self.path}{SEPARATOR}{name}", self)
        return child

    def check(self, name: str) -> CheckNode:
        """The check `name` inside this group, created on first use."""
        node = self.checks.get(name)
        if node is None:
            validate_name(name)
            node = self.checks[name] = CheckNode(name, f"{self.path}{SEPARATOR}{name}")
        return node

    def walk(self) -> list[GroupNode]:
        out = [self]
        for child in self.groups.values():
            out.extend(child.walk())
        return out

    def copy(self, *, groups: bool = True, checks: bool = True, parent: GroupNode | None = None) -> GroupNode:
        """A detached copy, without the child groups and/or checks (what k6's summary shows when
        systemTags lacks `group` or `check`: its tree is built from the samples' tags)."""
        clone = GroupNode(self.name, self.path, parent)
        if checks:
            for name, node in self.checks.items():
                copied = clone.checks[name] = CheckNode(node.name, node.path)
                copied.passes, copied.fails = node.passes, node.fails
        if groups:
            for name, child in self.groups.items():
                clone.groups[name] = child.copy(groups=True, checks=checks, parent=clone)
        return clone

    # -- worker merge ------------------------------------------------------------
    def state(self) -> Any:
        return (
            [(c.name, c.passes, c.fails) for c in self.checks.values()],
            [(g.name, g.state()) for g in self.groups.values()],
        )

    def delta_state(self) -> Any:
        """`state()` of what changed since the previous call: checks new or with new results (their
        new counts) and every group (a group may be new without a check yet; trees are small)."""
        checks = []
        for c in self.checks.values():
            passes, fails = c.sent or (0, 0)
            if c.sent is None or c.passes != passes or c.fails != fails:
                checks.append((c.name, c.passes - passes, c.fails - fails))
                c.sent = (c.passes, c.fails)
        return (checks, [(g.name, g.delta_state()) for g in self.groups.values()])

    def merge_state(self, state: Any) -> None:
        checks, groups = state
        for name, passes, fails in checks:
            node = self.check(name)
            node.passes += passes
            node.fails += fails
        for name, sub in groups:
            self.group(name).merge_state(sub)


def validate_name(name: str) -> None:
    if SEPARATOR in name:
        from loadpy.errors import ScriptError

        raise ScriptError("group and check names may not contain '::'")


class GroupTree:
    def __init__(self) -> None:
        self.root = GroupNode("", "")

    def by_path(self, path: str) -> GroupNode:
        """The group at `path` ("" is the root, "::a::b" nested), created on first use."""
        node = self.root
        if path:
            for part in path.split(SEPARATOR)[1:]:
                node = node.group(part)
        return node
