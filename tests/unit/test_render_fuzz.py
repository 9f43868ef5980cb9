"""Property tests over the whole manifest path as `kernelctl validate`/`render` and `pulumi up` take it: bytes in
any encoding, any nesting, odd numbers and quantities. Only the project's own outcomes come out (a problem line
per bad Resource, a compile error, or objects), never another exception."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_kernel.context import PlatformContext
from tests.unit.test_model_fuzz import _mutate, _paths
from user_space.model import load_paths
from user_space.plan_objects import load_and_compile

ROOT = Path(__file__).resolve().parents[2]
CTX = PlatformContext.sample()
EXAMPLES = [d for p in sorted((ROOT / "examples" / "workspaces").rglob("*.yaml"))
            for d in yaml.safe_load_all(p.read_text(encoding="utf-8")) if d]
ODD = st.one_of(
    st.sampled_from(["1.5Zi", "-1", "0", "1e400", "NaN", "1Gi", "100m", "0x10", "", " ", "1/2", "∞", "10Mi ",
                     "${UNSET_VAR_Q}", "$$", "dataos://", "a" * 300]),
    st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_examples_compile_or_report(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    documents = copy.deepcopy(EXAMPLES)
    index = data.draw(st.integers(0, len(documents) - 1))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(documents[index])))
        documents[index] = _mutate(documents[index], path, data.draw(st.sampled_from(["replace", "delete"])),
                                   data.draw(ODD))
    (folder / "m.yaml").write_text(yaml.safe_dump_all(documents, allow_unicode=True), encoding="utf-8")
    loaded = load_and_compile([folder], CTX)
    assert all(isinstance(line, str) and line for line in loaded.invalid)
    assert all(str(e) for e in loaded.result.errors)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-16")),
       depth=st.integers(0, 800))
def test_any_bytes_and_any_nesting_give_resource_errors(tmp_path_factory, raw: bytes, depth: int) -> None:
    folder = tmp_path_factory.mktemp("bytes")
    (folder / "raw.yaml").write_bytes(raw)
    (folder / "deep.yaml").write_text("a: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    results = load_paths([folder], strict_env=True, env={})
    assert {Path(r.file).name for r in results} >= {"raw.yaml", "deep.yaml"}
    assert all(r.ok or all(e.message for e in r.errors) for r in results)


