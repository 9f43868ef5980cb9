"""Authentication at the gateway: every route of a Service without `noAuthentication: true` is the target of an
Envoy Gateway SecurityPolicy requiring a JWT from the environment's identity provider, authorised by the access
Policies that govern its path; without an identity provider such a route does not compile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core_kernel.context import PlatformContext
from tests.support.k8s_validation import validate_object
from user_space.compiler import compile_resources
from user_space.compiler.auth import ALL_METHODS
from user_space.plan_objects import load_and_compile

ROOT = Path(__file__).resolve().parents[2]
CTX = PlatformContext.sample()


def _service(name: str, path: str, public: bool = False) -> dict[str, Any]:
    return {"name": name, "version": "v1", "type": "service", "workspace": "shop", "service": {
        "stack": "container", "compute": "runnable-default", "servicePort": 8080,
        "ingress": {"enabled": True, "path": path, "noAuthentication": public},
        "stackSpec": {"image": "ghcr.io/example/shop:1.0", "command": ["shop"]}}}


def _policy(name: str, tags: list[list[str]], predicates: list[str], paths: list[str], allow: bool) -> dict[str, Any]:
    return {"name": name, "version": "v1", "type": "policy", "policy": {"access": {
        "subjects": {"tags": tags}, "predicates": predicates, "objects": {"paths": paths}, "allow": allow}}}


def _by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def decide(policy: dict[str, Any], claims: dict[str, Any] | None, method: str, path: str) -> bool:
    """Envoy Gateway's decision for a request on the policy's route (its documented semantics): no valid token
    is refused by the JWT filter; then the first authorization rule whose principal and operation match wins;
    none matching -> defaultAction; no authorization block -> any authenticated caller."""
    if claims is None:
        return False
    authorization = policy["spec"].get("authorization")
    if not authorization:
        return True
    for rule in authorization["rules"]:
        operation = rule["operation"]
        prefix = operation["path"]["value"].rstrip("/")
        if method not in operation.get("methods", ALL_METHODS) or not (path == prefix or path.startswith(prefix + "/")):
            continue
        wanted = rule["principal"]["jwt"]["claims"]
        if all(set(c["values"]) & set(claims.get(c["name"], [])) for c in wanted):
            return rule["action"] == "Allow"
    return authorization["defaultAction"] == "Allow"


def test_every_authenticated_route_of_the_examples_has_a_security_policy() -> None:
    loaded = load_and_compile([ROOT / "examples" / "workspaces"], CTX)
    assert loaded.invalid == [] and loaded.result.errors == []
    routes = _by_kind(loaded.result.objects, "HTTPRoute")
    policies = _by_kind(loaded.result.objects, "SecurityPolicy")
    needing = {n for n, r in routes.items() if r["metadata"]["annotations"]["cloudkernel.io/authentication"] != "none"}
    assert needing, "the examples expose at least one authenticated route"
    targeted = {ref["name"] for p in policies.values() for ref in p["spec"]["targetRefs"] if ref["kind"] == "HTTPRoute"}
    assert needing <= targeted
    for policy in policies.values():
        assert validate_object(policy) == []
        provider = policy["spec"]["jwt"]["providers"][0]
        assert provider["issuer"] == CTX.gateway.authentication.issuer
        assert provider["remoteJWKS"]["uri"].startswith("https://")


def test_public_route_gets_no_policy_and_a_route_without_identity_provider_does_not_compile() -> None:
    result = compile_resources([_service("open", "/open", public=True)], CTX)
    assert result.errors == [] and "open" in _by_kind(result.objects, "HTTPRoute")
    assert _by_kind(result.objects, "SecurityPolicy") == {}

    no_idp = CTX.model_copy(update={"gateway": CTX.gateway.model_copy(update={"authentication": None})})
    errors = [str(e) for e in compile_resources([_service("shop", "/shop")], no_idp).errors]
    assert len(errors) == 1 and "no identity provider" in errors[0] and "noAuthentication: true" in errors[0]


def test_policy_rules_allow_and_refuse_request_shapes() -> None:
    resources = [
        _service("shop", "/shop"),
        _policy("shop-readers", [["roles:id:shop-reader"]], ["read"], ["/shop/**"], allow=True),
        _policy("shop-admins", [["roles:id:shop-admin", "roles:id:mfa"]], ["write"], ["/shop/admin/**"], allow=True),
        _policy("blocked", [["roles:id:suspended"]], ["*"], ["/shop/**"], allow=False),
        _policy("datasets", [["roles:id:data-dev"]], ["read"], ["dataos://lake:retail/*"], allow=True),
    ]
    result = compile_resources(resources, CTX)
    assert result.errors == []
    policy = _by_kind(result.objects, "SecurityPolicy")["shop"]
    assert validate_object(policy) == []
    spec = policy["spec"]
    assert spec["authorization"]["defaultAction"] == "Deny"
    assert [r["action"] for r in spec["authorization"]["rules"]] == ["Deny", "Allow", "Allow"]

    reader = {"groups": ["roles:id:shop-reader"]}
    admin = {"groups": ["roles:id:shop-admin", "roles:id:mfa"]}
    assert decide(policy, reader, "GET", "/shop/items")
    assert not decide(policy, None, "GET", "/shop/items"), "no token"
    assert not decide(policy, reader, "POST", "/shop/items"), "read does not cover POST"
    assert not decide(policy, {"groups": ["roles:id:data-dev"]}, "GET", "/shop/items"), "dataset Policy is not a route"
    assert not decide(policy, {"groups": ["roles:id:shop-reader", "roles:id:suspended"]}, "GET", "/shop"), "deny wins"
    assert decide(policy, admin, "POST", "/shop/admin/reindex")
    assert not decide(policy, {"groups": ["roles:id:shop-admin"]}, "POST", "/shop/admin/x"), "every tag of the group"
    assert not decide(policy, admin, "POST", "/shop/items"), "admin writes only under /shop/admin"


@pytest.mark.parametrize("public", [False, True])
def test_route_annotation_matches_the_policy(public: bool) -> None:
    result = compile_resources([_service("shop", "/shop", public=public)], CTX)
    route = _by_kind(result.objects, "HTTPRoute")["shop"]
    assert route["metadata"]["annotations"]["cloudkernel.io/authentication"] == ("none" if public else "required")
    assert ("shop" in _by_kind(result.objects, "SecurityPolicy")) is not public
