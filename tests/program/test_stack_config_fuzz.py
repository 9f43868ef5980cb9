"""Property: whatever `config validate` accepts, `plan` plans, and the plan holds nothing AWS, Kubernetes or the
CA would refuse; whatever it refuses, it refuses with key paths.

Configs are mutations of the two AWS stack files (names, sizes, windows, CIDRs, keys, the stack name). The
plan is judged by `tests/support/aws_plan_limits.py`, which reads names from the plan, never from the config.
`make test` runs a fixed, derandomized sample; `CK_FUZZ_EXAMPLES=500` runs a larger random one.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloud_kernel.aws.limits import INTERFACE_ENDPOINTS, LIMITS
from infra.config import ConfigError, read_stack
from kernelctl.plan.runner import run_plan
from tests.conftest import ROOT
from tests.support.aws_plan_limits import violations

CLOUD, CORE = "cloud-kernel:cloud", "cloud-kernel:core"
EXAMPLES = int(os.environ.get("CK_FUZZ_EXAMPLES", "25"))
BASES = {stack: yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text()) for stack in ("dev-aws", "prod-aws")}

keys = st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True)
label_names = st.from_regex(r"[A-Za-z0-9][-A-Za-z0-9_. ]{0,70}", fullmatch=True)
label_keys = st.one_of(label_names, st.builds(lambda p, n: f"{p}/{n}", st.from_regex(r"[a-z0-9.-]{1,200}", fullmatch=True), label_names))
label_values = st.one_of(st.just(""), label_names)
hhmm = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 25), st.sampled_from([0, 1, 15, 30, 45, 59, 61]))
days = st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])


@st.composite
def cidrs(draw, prefixes=st.integers(0, 30)) -> str:
    first = draw(st.sampled_from([0, 10, 100, 127, 169, 172, 192, 198, 203]))
    address = ipaddress.ip_address(f"{first}.{draw(st.integers(0, 255))}.{draw(st.integers(0, 255))}.0")
    return str(ipaddress.ip_network((address, draw(prefixes)), strict=False))


def at(path: tuple, value) -> st.SearchStrategy:
    return st.just((path, value)) if not isinstance(value, st.SearchStrategy) else value.map(lambda v: (path, v))


POOL = (CLOUD, "nodePools", "batch")
DB = (CLOUD, "postgres", "platform")
MUTATIONS = st.one_of(
    at((CLOUD, "cluster", "logRetentionDays"), st.integers(1, 3653) | st.sampled_from(sorted(LIMITS.log_retention_days))),
    at((CLOUD, "network", "flowLogRetentionDays"), st.integers(1, 3653)),
    at((CLOUD, "network", "cidr"), cidrs(st.integers(8, 26))),
    at((CLOUD, "network", "zones"), st.integers(1, 6)),
    at((CLOUD, "network", "interfaceEndpoints"), st.lists(st.sampled_from([*sorted(INTERFACE_ENDPOINTS), "s3", "ecr-api"]), max_size=4)),
    at((*POOL, "maxSize"), st.integers(1, 1000)),
    at((*POOL, "labels"), st.dictionaries(label_keys, label_values, max_size=3)),
    at((*POOL, "taints"), st.lists(st.fixed_dictionaries({"key": label_keys, "value": label_values}), max_size=55)),
    at((CLOUD, "postgres"), st.dictionaries(keys, st.sampled_from([{}, {"engine": "aurora", "highAvailability": True}]), min_size=1, max_size=3)),
    at((CLOUD, "lakehouse"), st.dictionaries(keys | st.just("access-logs"), st.just({}), max_size=3)),
    at((*DB, "backupWindow"), st.builds(lambda a, b: f"{a}-{b}", hhmm, hhmm)),
    at((*DB, "maintenanceWindow"), st.builds(lambda d1, a, d2, b: f"{d1}:{a}-{d2}:{b}", days, hhmm, days, hhmm)),
    at((CLOUD, "cluster", "admins"), st.lists(st.sampled_from(["arn:aws:iam::123456789012:role/ops", "arn:aws:iam::123456789012:role/team/ops", "arn:aws:iam::123456789012:role/deployer", "arn:aws:iam::123456789012:user/a", "not-an-arn", "arn:aws:sts::123456789012:assumed-role/x/y"]), max_size=2)),
    at((CLOUD, "cluster", "publicAccessCidrs"), st.lists(cidrs(), min_size=1, max_size=4)),
    at((CLOUD, "aws", "grantDeployerAdmin"), st.booleans()),
    at((CORE, "domain"), st.lists(st.from_regex(r"[a-z][a-z0-9]{0,70}", fullmatch=True), min_size=2, max_size=5).map(".".join)),
    at((CORE, "gateway", "hosts"), st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z]", fullmatch=True), max_size=5)),
)
stack_names = st.sampled_from(["dev-aws", "prod-aws"]) | st.from_regex(r"[A-Za-z0-9_.-]{1,100}", fullmatch=True)


def mutate(base: dict, changes: list[tuple[tuple, object]]) -> dict:
    document = copy.deepcopy(base)
    for path, value in changes:
        node = document["config"]
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = copy.deepcopy(value)
    return document


def check_one(document: dict, stack: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"Pulumi.{stack}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        stack_file = read_stack(path)
        try:
            stack_file.parse(stack)
        except ConfigError as exc:
            assert exc.issues
            for issue in exc.issues:
                assert issue.path == "stack" or issue.path.startswith(("cloud-kernel:", "pulumi:")), issue
                assert issue.message and "Traceback" not in issue.message
            return
        result = run_plan(path, stack, root=ROOT)  # accepted: it must plan, without an exception
    assert not [w for w in result.warnings if "duplicate URN" in w]
    assert result.failed_mandatory_policies == [], result.failed_mandatory_policies
    assert violations(result.resources, result.kubernetes) == []


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="CK_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(base=st.sampled_from(sorted(BASES)), changes=st.lists(MUTATIONS, min_size=1, max_size=3), stack=stack_names)
def test_validated_configs_plan_within_the_cloud_limits(base: str, changes, stack: str) -> None:
    check_one(mutate(BASES[base], changes), stack)


def test_the_checker_sees_what_the_cloud_refuses(stack_plan) -> None:
    """The plan checker is not blind: a plan edited to break each rule is caught."""
    plan = stack_plan("dev-aws")
    assert violations(plan.resources, plan.kubernetes) == []
    broken = copy.deepcopy(plan.resources)
    edits = {
        "aws:s3/bucket:Bucket": lambda i: i.update(bucket="Bad_Bucket"),
        "aws:cloudwatch/logGroup:LogGroup": lambda i: i.update(retentionInDays=45),
        "aws:eks/nodeGroup:NodeGroup": lambda i: i["scalingConfig"].update(maxSize=1000),
        "aws:rds/instance:Instance": lambda i: i.update(identifier="a--b", backupWindow="03:00-03:10"),
        "aws:ec2/vpc:Vpc": lambda i: i.update(cidrBlock="127.0.0.0/16"),
        "aws:kms/alias:Alias": lambda i: i.update(name="alias/aws/x"),
    }
    for resource in broken:
        if resource["type"] in edits:
            edits.pop(resource["type"])(resource["inputs"])
    assert not edits, f"the dev plan has no {sorted(edits)}"
    found = "\n".join(violations(broken, plan.kubernetes))
    for fragment in ("Bad_Bucket", "retention 45", "scaling", "'a--b'", "shorter than 30", "127.0.0.0/16", "alias/aws/"):
        assert fragment in found, (fragment, found)
