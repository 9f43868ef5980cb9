"""UDL and stack-reference parsers: examples from the docs, and round-trip properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from user_space.model import StackRef, StackRefError, Udl, UdlError, parse_stack_ref, parse_udl

DEPOT = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
COLLECTION = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True)
DATASET = st.from_regex(r"[a-z][a-z0-9_./]{0,10}[a-z0-9]", fullmatch=True)
PART = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?", fullmatch=True)
VERSION = st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2})?", fullmatch=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("dataos://lakehouse:retail/city01?acl=rw", Udl("lakehouse", "retail", "city01", "rw")),
    ("dataos://thirdparty:none/file.avsc", Udl("thirdparty", "none", "file.avsc")),
    ("dataos://lakehouse", Udl("lakehouse")),
    ("dataos://lakehouse:default", Udl("lakehouse", "default")),
    ("dataos://systemstreams:poros/workflows", Udl("systemstreams", "poros", "workflows")),
])
def test_documented_udls(text, expected):
    assert parse_udl(text) == expected


@pytest.mark.parametrize("text", ["s3://bucket/x", "dataos://", "dataos://Lake", "dataos://a:b/c?acl=x",
                                  "dataos://my-depot:x/y", 42])
def test_bad_udls(text):
    with pytest.raises(UdlError):
        parse_udl(text)


@given(DEPOT, st.none() | COLLECTION, st.none() | DATASET, st.sampled_from(["r", "rw"]))
def test_udl_round_trip(depot, collection, dataset, acl):
    udl = Udl(depot, collection, dataset if collection else None, acl)
    assert parse_udl(str(udl)) == udl


@given(st.text(max_size=40))
def test_udl_parser_only_raises_its_error(text):
    try:
        parse_udl(text)
    except UdlError:
        pass


@pytest.mark.parametrize(("text", "expected"), [
    ("flare:7.0", StackRef("flare", None, "7.0")), ("soda+python:1.0", StackRef("soda", "python", "1.0")),
    ("beacon+rest", StackRef("beacon", "rest")), ("container", StackRef("container")),
    ("bento-worker:3.0", StackRef("bento-worker", None, "3.0")), ("dataos-ctl", StackRef("dataos-ctl")),
])
def test_documented_stack_refs(text, expected):
    assert parse_stack_ref(text) == expected


@pytest.mark.parametrize("text", ["", "flare:", "+python", "a+b+c", "Flare:7", "${{bento:3.0}}", None])
def test_bad_stack_refs(text):
    with pytest.raises(StackRefError):
        parse_stack_ref(text)


@given(PART, st.none() | PART, st.none() | VERSION)
def test_stack_ref_round_trip(name, flavor, version):
    ref = StackRef(name, flavor, version)
    assert parse_stack_ref(str(ref)) == ref


@given(st.text(max_size=30))
def test_stack_ref_parser_only_raises_its_error(text):
    try:
        parse_stack_ref(text)
    except StackRefError:
        pass
