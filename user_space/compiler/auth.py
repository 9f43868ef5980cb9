"""Authentication at the gateway: a Service route without `noAuthentication: true` gets an Envoy Gateway
`SecurityPolicy` on its HTTPRoute.

- `jwt`: a valid token from the platform's identity provider (`gateway.authentication` of the context: issuer,
  JWKS URL, audiences) is required; Envoy refuses a request without one (401) before it reaches the pods.
- `authorization`: when access Policies name the route's path (`objects.paths`), the gateway decides with their
  rules: `defaultAction: Deny`, deny Policies first, then allow Policies; a rule matches when the caller's
  tags claim holds every tag of one subject group and the method is one of the Policy's predicates. Without
  such a Policy, any authenticated caller is allowed.
- No identity provider in the environment: a route that needs authentication is a compile error, never an
  open door.
"""

from __future__ import annotations

from typing import Any

from user_space.compiler.common import Res, ServiceMissing, metadata, obj
from user_space.compiler.index import Index

PROVIDER = "platform"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]
#: DataOS predicates (open list) -> HTTP methods; an HTTP method name stands for itself.
PREDICATE_METHODS = {
    "read": ["GET", "HEAD", "OPTIONS"], "get": ["GET", "HEAD"], "list": ["GET", "HEAD"],
    "write": ["POST", "PUT", "PATCH", "DELETE"], "create": ["POST"], "update": ["PUT", "PATCH"],
    "delete": ["DELETE"], "*": ALL_METHODS, "all": ALL_METHODS,
}


def methods_of(predicates: list[str]) -> list[str]:
    found = {m for p in predicates for m in PREDICATE_METHODS.get(p.lower(), [p.upper()] if p.upper() in ALL_METHODS
                                                                   else [])}
    return [m for m in ALL_METHODS if m in found]


def path_scope(glob: str, route_path: str) -> str | None:
    """The request path prefix an object path governs on this route, or None when it is elsewhere.
    `/shop/**` and `/shop/*` govern `/shop`; `/shop/admin/**` governs `/shop/admin` of route `/shop`. Paths
    that are not URL paths (`dataos://...` datasets) govern no route."""
    if not glob.startswith("/"):
        return None
    prefix = glob.split("*", 1)[0].rstrip("/") or "/"
    route = route_path.rstrip("/") or "/"
    if route == "/" or prefix == route or prefix.startswith(route + "/"):
        return prefix
    if route.startswith(prefix + "/") or prefix == "/":
        return route
    return None


def policy_rules(idx: Index, route_path: str, tags_claim: str) -> list[dict[str, Any]]:
    """Authorization rules of the access Policies that govern `route_path`, deny rules first."""
    deny, allow = [], []
    for policy in sorted(idx.of_type("policy"), key=lambda r: r.name):
        access = policy.block.get("access")
        if not access:
            continue
        methods = methods_of(access.get("predicates") or [])
        scopes = sorted({s for g in (access.get("objects") or {}).get("paths") or []
                         if (s := path_scope(g, route_path)) is not None})
        for index, (scope, group) in enumerate((s, g) for s in scopes for g in access["subjects"]["tags"]):
            rule: dict[str, Any] = {
                "name": f"{policy.name}-{index}",
                "action": "Allow" if access.get("allow") else "Deny",
                "principal": {"jwt": {"provider": PROVIDER, "claims": [
                    {"name": tags_claim, "valueType": "StringArray", "values": [tag]} for tag in group]}},
                "operation": {"methods": methods or ALL_METHODS, "path": {"type": "PathPrefix", "value": scope}},
            }
            (allow if access.get("allow") else deny).append(rule)
    return deny + allow


def security_policy(idx: Index, res: Res, route: str, route_path: str, component: str) -> dict[str, Any]:
    gateway = idx.context.gateway
    auth = gateway.authentication if gateway else None
    if auth is None:
        raise ServiceMissing(res.resource_id, "service.ingress: the route requires authentication (noAuthentication "
                                            "is not true) but this environment has no identity provider "
                                            "(cloud-kernel:core.gateway.authentication); configure one, or set "
                                            "ingress.noAuthentication: true for a public route")
    spec: dict[str, Any] = {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": route}],
        "jwt": {"providers": [{"name": PROVIDER, "issuer": auth.issuer, "audiences": list(auth.audiences),
                               "remoteJWKS": {"uri": auth.jwks_uri}}]},
    }
    rules = policy_rules(idx, route_path, auth.tags_claim)
    if rules:
        spec["authorization"] = {"defaultAction": "Deny", "rules": rules}
    return obj("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy", metadata(res, route, component=component),
               spec=spec)
