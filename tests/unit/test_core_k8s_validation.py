"""The shared validator catches what it must (and accepts valid objects)."""

from __future__ import annotations

from tests.support.k8s_validation import crd_kinds, validate_object


def test_valid_builtin():
    assert validate_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"x": "y"}}}) == []


def test_unknown_builtin_field_is_an_error():
    errors = validate_object({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "dta": {}})
    assert errors and "dta" in errors[0]


def test_bad_label_value():
    errors = validate_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"x": "a b"}}})
    assert any("label value" in e for e in errors)


def test_crd_strict_and_scope():
    obj = {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "a", "namespace": "x"},
           "spec": {"selfSigned": {}, "foo": 1}}
    errors = validate_object(obj)
    assert any("cluster-scoped" in e for e in errors)
    assert any("'foo' was unexpected" in e for e in errors)
    del obj["metadata"]["namespace"], obj["spec"]["foo"]
    assert validate_object(obj) == []


def test_crd_type_error():
    obj = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "a"},
           "spec": {"controllerName": 3}}
    assert validate_object(obj)


def test_alertmanager_config_loads_with_bare_equals():
    obj = {"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
           "metadata": {"name": "a", "namespace": "b"},
           "spec": {"route": {"receiver": "x", "matchers": [{"name": "a", "value": "b", "matchType": "="}]},
                    "receivers": [{"name": "x"}]}}
    assert validate_object(obj) == []
    obj["spec"]["route"]["matchers"][0]["matchType"] = "=="
    assert validate_object(obj)


def test_unknown_kind_is_an_error():
    assert validate_object({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "a"}})
    assert ("external-secrets.io/v1", "ClusterSecretStore") in crd_kinds()
