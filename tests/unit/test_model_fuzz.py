"""Random mutations of valid manifests only ever produce ResourceError, never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.model_samples import VALID, sample
from user_space.model import ResourceError, parse_resource

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 70000), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["${{x}}", "dataos://a:b/c", "flare:7.0", "v1", "r"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=6)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, prefix + (index,))
    return out


def _mutate(data: dict, path: tuple, action: str, value: Any) -> dict:
    if not path:
        return data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        if isinstance(parent, dict):
            parent.pop(last)
        else:
            parent.pop(last)
    elif action == "add" and isinstance(parent, dict):
        parent[str(value)[:10] or "k"] = value
    else:
        parent[last] = value
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(VALID)), st.data())
def test_mutations_only_raise_resource_error(type_name, data):
    manifest = sample(type_name)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(manifest)))
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        manifest = _mutate(manifest, path, action, data.draw(VALUES))
    try:
        parse_resource(manifest)
    except ResourceError as exc:
        assert exc.errors and all(isinstance(e.path, str) and e.message for e in exc.errors)
