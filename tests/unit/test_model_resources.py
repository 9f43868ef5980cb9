"""Every Resource type: a valid manifest, and the rules of the documented format it must enforce."""

from __future__ import annotations

import pytest

from tests.unit.model_samples import VALID, sample
from user_space.model import MODELS, ResourceError, accepted_versions, parse_resource


def errors_of(data: dict) -> str:
    with pytest.raises(ResourceError) as info:
        parse_resource(data)
    return " | ".join(str(e) for e in info.value.errors)


def test_registry_covers_every_documented_type():
    assert set(MODELS) == set(VALID)
    assert accepted_versions("workflow") == ("v1", "v1beta")
    assert accepted_versions("compute") == ("v1beta", "v1")
    assert accepted_versions("nope") == ()


@pytest.mark.parametrize("type_name", sorted(VALID))
def test_valid_manifest(type_name):
    model = parse_resource(sample(type_name))
    assert model.type == type_name and model.block is not None
    with pytest.raises(Exception):  # frozen
        model.name = "other"


@pytest.mark.parametrize("type_name", sorted(VALID))
def test_unknown_field_in_block_is_an_error(type_name):
    data = sample(type_name)
    data[type_name]["noSuchField"] = 1
    assert "noSuchField" in errors_of(data)


@pytest.mark.parametrize("type_name", sorted(VALID))
def test_unaccepted_version(type_name):
    data = sample(type_name)
    data["version"] = "v9"
    assert "version" in errors_of(data)


INVALID = [
    ("workflow", lambda d: d["workflow"]["dag"].append({"name": "ingest", "spec": d["workflow"]["dag"][0]["spec"]}),
     "unique"),
    ("workflow", lambda d: d["workflow"]["dag"][1].update(dependencies=["ghost"]), "unknown job"),
    ("workflow", lambda d: d["workflow"]["dag"][0].update(dependencies=["profile"]), "cycle"),
    ("workflow", lambda d: d["workflow"]["schedule"].update(cron="every day"), "workflow.schedule.cron"),
    ("workflow", lambda d: d["workflow"]["dag"][0]["spec"].update(stack="flare:"), "workflow.dag[0].spec.stack"),
    ("workflow", lambda d: d["workflow"]["dag"][0]["spec"].update(tier="connect"), "tier"),
    ("workflow", lambda d: d["workflow"].update(dag=[]), "workflow.dag"),
    ("service", lambda d: d["service"].update(servicePort=70000), "service.servicePort"),
    ("service", lambda d: d["service"].update(servicePorts=[{"name": "a", "servicePort": 1},
                                                             {"name": "a", "servicePort": 2}]), "unique"),
    ("service", lambda d: d["service"].update(logLevel="LOUD"), "service.logLevel"),
    ("service", lambda d: d["service"]["resources"]["limits"].update(cpu="lots"), "service.resources.limits.cpu"),
    ("service", lambda d: d["service"]["dataosSecrets"][0].update(allKeys=True), "not both"),
    ("worker", lambda d: d["worker"]["autoScaling"].update(maxReplicas=0), "maxReplicas"),
    ("worker", lambda d: d["worker"]["highAvailabilityConfig"].update(level="rack"), "level"),
    ("cluster", lambda d: d.update(name="minerva-cluster"), "name"),
    ("cluster", lambda d: d["cluster"]["minerva"]["depots"].append({"address": "dataos://x:y/z"}), "not a dataset"),
    ("cluster", lambda d: d["cluster"].update(type="themis"), "themis"),
    ("database", lambda d: d["database"]["migrate"].update(command="sideways"), "command"),
    ("lakehouse", lambda d: d["lakehouse"]["iceberg"]["storage"].update(type="gcs"), "gcs"),
    ("lens", lambda d: d["lens"]["source"].update(type="oracle"), "lens.source.type"),
    ("monitor", lambda d: d["monitor"].update(type="equation_monitor"), "equation"),
    ("monitor", lambda d: d["monitor"].update(schedule="*/3 * *"), "monitor.schedule"),
    ("pager", lambda d: d["pager"].update(output={}), "at least one"),
    ("pager", lambda d: d["pager"]["conditions"][0].update(operator="contains"), "operator"),
    ("secret", lambda d: d["secret"].update(type="vault"), "secret.type"),
    ("secret", lambda d: d["secret"]["data"].update({"bad key": "x"}), "keys may hold"),
    ("volume", lambda d: d["volume"].update(accessMode="ReadWriteMany"), "ReadWriteOnce"),
    ("volume", lambda d: d["volume"].update(size="big"), "volume.size"),
    ("resource", lambda d: d["resource"].pop("operator"), "resource.operator"),
    ("bundle", lambda d: d["bundle"]["resources"][0].pop("workspace"), "workspace-level"),
    ("bundle", lambda d: d["bundle"]["resources"][0].update(dependencies=["ingest"]), "cycle"),
    ("bundle", lambda d: d["bundle"]["resources"][0]["spec"]["volume"].update(size="x"), "volume.size"),
    ("compute", lambda d: d["compute"].update(purpose="batch"), "compute.purpose"),
    ("compute", lambda d: d.update(workspace="public"), "instance-level"),
    ("depot", lambda d: d.update(name="postgres-db"), "name"),
    ("depot", lambda d: d["depot"].update(s3={"bucket": "x"}), "connection block"),
    ("depot", lambda d: d["depot"]["jdbc"].update(port="5432x"), "port"),
    ("depot", lambda d: d.update(version="v1"), "spec"),
    ("grant", lambda d: d["grant"].pop("policy_use_case_id"), "policy_use_case_id"),
    ("instance-secret", lambda d: d["instance-secret"].update(type="cloud-kernel"), "instance-secret.type"),
    ("operator", lambda d: d["operator"]["resources"][0]["specSchema"].update(jsonSchema="{nope"), "JSON"),
    ("policy", lambda d: d["policy"]["access"].update(predicates=["fly"]), "predicate"),
    ("policy", lambda d: d["policy"].update(data={"type": "filter", "selector": {"user": {}}}), "needs `filters`"),
    ("stack", lambda d: d["stack"].pop("serviceConfig"), "at least one"),
    ("workspace", lambda d: d.update(name="a" * 40), "longer than 31"),
]


@pytest.mark.parametrize(("type_name", "mutate", "expected"), INVALID, ids=[f"{t}-{e}" for t, _, e in INVALID])
def test_invalid_manifest(type_name, mutate, expected):
    data = sample(type_name)
    mutate(data)
    assert expected in errors_of(data)


def test_every_type_has_an_invalid_case():
    assert {t for t, _, _ in INVALID} == set(VALID)


def test_envelope_rules():
    data = sample("volume")
    data["name"] = "Bad_Name"
    assert "name" in errors_of(data)
    data = sample("volume")
    data["name"] = "a" * 49
    assert "longer than 48" in errors_of(data)
    assert "layer" in errors_of({**sample("volume"), "layer": "kernel"})
    assert "type" in errors_of({**sample("volume"), "type": "gadget"})
    assert "mapping" in errors_of(["not", "a", "manifest"])  # type: ignore[arg-type]


def test_placeholders_get_a_clear_message():
    assert "documentation placeholder '${{v1}}'" in errors_of({**sample("volume"), "version": "${{v1}}"})


def test_spelling_variants_and_nulls_are_tolerated():
    data = sample("worker")
    data["worker"]["autoscaling"] = data["worker"].pop("autoScaling")
    data["tags"] = None
    assert parse_resource(data).worker.autoscaling.max_replicas == 3


def test_legacy_stack_key_is_the_payload():
    data = sample("workflow")
    spec = data["workflow"]["dag"][0]["spec"]
    spec["flare"] = spec.pop("stackSpec")
    spec["tier"] = "connect"
    model = parse_resource(data)
    assert model.workflow.dag[0].spec.stack_payload == {"job": {}}
    assert model.job_order() == ["ingest", "profile"]


def test_helpers():
    lake = parse_resource(sample("lakehouse"))
    assert lake.depot_name == "alphaomega0public0storage"
    assert parse_resource(sample("workflow")).resource_id == "workflow:v1:wf-city"
    assert parse_resource(sample("stack")).stack.reference == "bento:3.0"
    assert parse_resource(sample("depot")).depot.connection["port"] == 5432
    assert parse_resource(sample("bundle")).bundle.resources[0].member.type == "volume"


def test_service_ingress_without_service_port_is_valid():
    """§6 marks `servicePort` O and a Stack may declare the port (§22.1 `ports`, e.g. beacon+rest)."""
    data = sample("service")
    data["service"].pop("servicePort")
    data["service"].update(stack="beacon+rest", stackSpec=None)
    assert parse_resource(data).block.ingress.enabled
