"""One minimal valid manifest per Resource type (shared by the model, fuzz and CLI tests)."""

from __future__ import annotations

import copy

RUNNABLE = {"stack": "flare:7.0", "compute": "runnable-default"}

VALID: dict[str, dict] = {
    "workflow": {"name": "wf-city", "version": "v1", "type": "workflow", "workflow": {
        "schedule": {"cron": "0 2 * * *", "concurrencyPolicy": "Forbid", "timezone": "UTC"},
        "dag": [{"name": "ingest", "spec": {**RUNNABLE, "stackSpec": {"job": {}}}},
                {"name": "profile", "spec": {"stack": "soda+python:1.0", "compute": "runnable-default"},
                 "dependencies": ["ingest"], "retry": {"count": 2, "strategy": "OnError"}}]}},
    "service": {"name": "swagger-ui", "version": "v1", "type": "service", "service": {
        "replicas": 1, "servicePort": 8080, "stack": "container", "compute": "runnable-default",
        "ingress": {"enabled": True, "path": "/swagger", "stripPath": True},
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": 1, "memory": "1Gi"}},
        "dataosSecrets": [{"name": "app", "allkeys": True}], "stackSpec": {"image": "nginx"}}},
    "worker": {"name": "random-user-worker", "version": "v1beta", "type": "worker", "worker": {
        "replicas": 2, "stack": "bento-worker:3.0", "compute": "runnable-default", "logLevel": "debug",
        "autoScaling": {"minReplicas": 1, "maxReplicas": 3}, "highAvailabilityConfig": {"level": "zone"}}},
    "cluster": {"name": "minervacluster", "version": "v1", "type": "cluster", "cluster": {
        "compute": "query-default", "type": "minerva", "minerva": {
            "replicas": 1, "depots": [{"address": "dataos://lakehouse"}, {"address": "dataos://pg:public"}]}}},
    "database": {"name": "products", "version": "v1", "type": "database", "database": {
        "migrate": {"includesInline": {"001_init": "CREATE TABLE t (id int);"}, "command": "up"},
        "compute": "runnable-default"}},
    "lakehouse": {"name": "alphaomega", "version": "v1alpha", "type": "lakehouse", "lakehouse": {
        "type": "iceberg", "compute": "runnable-default", "iceberg": {"storage": {
            "type": "s3", "s3": {"bucket": "lake"}, "secrets": [{"name": "lake-r", "allKeys": True}]},
            "metastore": {"type": "iceberg-rest-catalog"}, "queryEngine": {"type": "themis"}}}},
    "lens": {"name": "saleslens", "version": "v1alpha", "type": "lens", "lens": {
        "compute": "runnable-default", "source": {"type": "depot", "name": "postgresdepot"},
        "repo": {"url": "https://github.com/org/sample", "lensBaseDir": "sample/lens/model"}}},
    "monitor": {"name": "wf-failed-monitor", "version": "v1alpha", "type": "monitor", "monitor": {
        "schedule": "*/3 * * * *", "type": "report_monitor", "incident": {"name": "wf", "severity": "high"},
        "report": {"source": {"dataOsInstance": {"path": "/collated/api/v1/reports/resources/runtime?id=x"}},
                   "conditions": [{"valueComparison": {"observationType": "runtime", "valueJqFilter": ".value",
                                                       "operator": "equals", "value": "failed"}}]}}},
    "pager": {"name": "wf-failed-pager", "version": "v1alpha", "type": "pager", "pager": {
        "conditions": [{"valueJqFilter": ".properties.name", "operator": "equals", "value": "wf"}],
        "output": {"email": {"emailTargets": ["team@example.com"]},
                   "webHook": {"url": "https://hooks.example.com/x", "verb": "post"}}}},
    "secret": {"name": "app-secret", "version": "v1", "type": "secret", "secret": {
        "type": "key-value", "acl": "r", "data": {"username": "u", "port": 5432}}},
    "volume": {"name": "persistent-v", "version": "v1beta", "type": "volume", "volume": {
        "size": "5Gi", "accessMode": "ReadWriteOnce", "type": "CloudPersistent"}},
    "resource": {"name": "pipeline-run-1", "version": "v1alpha", "type": "resource", "resource": {
        "operator": "adf-operator", "type": "pipeline-run", "spec": {"factoryName": "df1"}}},
    "bundle": {"name": "dp-bundle", "version": "v1beta", "type": "bundle", "bundle": {
        "workspaces": [{"name": "sales-dev", "layer": "user"}],
        "resources": [
            {"id": "vol", "workspace": "sales-dev", "spec": {
                "name": "v", "version": "v1beta", "type": "volume",
                "volume": {"size": "1Gi", "accessMode": "ReadWriteMany", "type": "temp"}}},
            {"id": "ingest", "workspace": "sales-dev", "file": "./workflow.yaml", "dependencies": ["vol"],
             "dependencyConditions": [{"resourceId": "vol", "status": {"is": ["active"]}}]}]}},
    "compute": {"name": "runnable-default", "version": "v1", "type": "compute", "layer": "system", "compute": {
        "dataplane": "hub", "purpose": "runnable", "nodePool": {
            "nodeSelector": {"dataos.io/purpose": "runnable"},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "runnable", "effect": "NoSchedule"}]}}},
    "depot": {"name": "postgresdb", "version": "v2alpha", "type": "depot", "depot": {
        "type": "jdbc", "external": True, "secrets": [{"name": "pg-r", "allkeys": True}],
        "jdbc": {"subprotocol": "postgresql", "host": "db", "port": 5432, "database": "sales"}}},
    "grant": {"name": "grant-run-as", "version": "v1alpha", "type": "grant", "grant": {
        "policy_use_case_id": "run-as-user", "subjects": ["users:id:test-user"],
        "values": {"run-as-dataos-resource": [{"path": "ds/lakehouse/retail"}]}}},
    "instance-secret": {"name": "s3lake-rw", "version": "v1", "type": "instance-secret", "instance-secret": {
        "type": "key-value-properties", "acl": "rw", "data": {"accesskeyid": "AKIA", "secretkey": "x"}}},
    "operator": {"name": "adf-operator", "version": "v1alpha", "type": "operator", "operator": {
        "components": [{"name": "adf-controller", "type": "worker", "compute": "runnable-default",
                        "runAsApiKey": "key", "image": "org/op:0.1", "replicas": 2}],
        "resources": [{"name": "pipeline-run", "isRunnable": True,
                       "specSchema": {"jsonSchema": "{\"type\": \"object\"}"}}],
        "enabledWorkspaces": ["public"], "natsClusterConfig": {"name": "adf-nats", "compute": "runnable-default"}}},
    "policy": {"name": "read-city", "version": "v1", "type": "policy", "policy": {"access": {
        "subjects": {"tags": [["roles:id:user"]]}, "predicates": ["read"],
        "objects": {"paths": ["dataos://lakehouse:retail/*"]}, "allow": True}}},
    "stack": {"name": "bento-v3", "version": "v1alpha", "type": "stack", "stack": {
        "name": "bento", "version": 3.0, "reconciler": "stackManager", "secretProjection": {"type": "propFile"},
        "stackSpecValueSchema": {"jsonSchema": "{\"type\": \"object\"}"},
        "serviceConfig": {"configFileTemplate": "jobconfig.yaml: x"}}},
    "workspace": {"name": "sales-dev", "version": "v1beta1", "type": "workspace", "workspace": {"labels": {"team": "sales"}}},
}


def sample(type_name: str) -> dict:
    return copy.deepcopy(VALID[type_name])
