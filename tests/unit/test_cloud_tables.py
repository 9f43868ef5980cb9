"""Per-cloud tables the upper layers read (no `if cloud == ...` in their bodies): the pod labels a cloud's
workload identity needs, applied by the compiler."""

from __future__ import annotations

from core_kernel.context import PlatformContext
from user_space.compiler.pods import add_identity_pod_labels


def _azure(context: PlatformContext) -> PlatformContext:
    data = context.model_dump()
    data["cloud"] = "azure"
    data["workspaces"]["identity_pod_labels"] = {"azure.workload.identity/use": "true"}
    return PlatformContext.model_validate(data)


def test_identity_pods_are_labelled_only_where_the_cloud_needs_it() -> None:
    def objects() -> list[dict]:
        pod = {"metadata": {"labels": {"app": "x"}}, "spec": {"serviceAccountName": "dataos-runner"}}
        return [
            {"kind": "Deployment", "metadata": {"namespace": "retail", "name": "a"}, "spec": {"template": pod}},
            {"kind": "Deployment", "metadata": {"namespace": "retail", "name": "b"},
             "spec": {"template": {"spec": {"serviceAccountName": "other"}}}},
            {"kind": "CronWorkflow", "metadata": {"namespace": "retail", "name": "c"},
             "spec": {"workflowSpec": {"serviceAccountName": "dataos-runner"}}},
            {"kind": "Job", "metadata": {"namespace": "nowhere", "name": "d"},
             "spec": {"template": {"spec": {"serviceAccountName": "dataos-runner"}}}},
        ]

    aws = objects()
    add_identity_pod_labels(aws, PlatformContext.sample())
    assert aws == objects()
    azure = objects()
    add_identity_pod_labels(azure, _azure(PlatformContext.sample()))
    assert azure[0]["spec"]["template"]["metadata"]["labels"] == {"app": "x", "azure.workload.identity/use": "true"}
    assert azure[1] == objects()[1]  # no identity for that account: untouched
    assert azure[2]["spec"]["workflowSpec"]["podMetadata"]["labels"] == {"azure.workload.identity/use": "true"}
    assert azure[3] == objects()[3]  # no identity in that namespace: untouched
