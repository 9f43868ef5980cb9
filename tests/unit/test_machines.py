"""Machine tables: exhaustive over the neutral classes, consistent per cloud."""

from __future__ import annotations

from typing import get_args

import pytest

from cloud_kernel import machines
from cloud_kernel.specs import GpuClass, MachineClass, PostgresSpec


def test_machine_table_is_exhaustive_for_every_cloud() -> None:
    assert set(machines.MACHINES) == set(get_args(MachineClass)) == set(machines.SHAPES)
    for machine, row in machines.MACHINES.items():
        assert set(row) == set(machines.CLOUDS), machine
        assert all(row[cloud] for cloud in machines.CLOUDS), machine


def test_gpu_table_is_exhaustive_and_aws_offers_every_gpu() -> None:
    assert set(machines.GPUS) == set(get_args(GpuClass))
    for gpu, row in machines.GPUS.items():
        assert set(row) == set(machines.CLOUDS)
        assert row["aws"], gpu


def test_database_table_is_exhaustive() -> None:
    sizes = get_args(PostgresSpec.model_fields["size"].annotation)
    assert set(machines.DATABASES) == set(sizes) == set(machines.DATABASE_SIZES)
    for size, row in machines.DATABASES.items():
        assert set(row) == set(machines.DATABASE_COLUMNS), size
        assert row["aws-postgres"].startswith("db.") and row["aws-aurora"].startswith("db.")


def test_aws_spot_alternatives_share_the_shape() -> None:
    """Spot diversification stays inside one size: every alternative has the same suffix (xlarge, 2xlarge...)."""
    for machine, row in machines.MACHINES.items():
        sizes = {t.split(".")[1] for t in row["aws"]}
        assert len(sizes) == 1, (machine, row["aws"])
        assert len(row["aws"]) >= 3
        families = [t.split(".")[0][0] for t in row["aws"]]
        assert len(set(families)) == 1, (machine, row["aws"])
    assert machines.instance_types("aws", "general-medium") == ["m7i.xlarge"]
    assert machines.instance_types("aws", "general-medium", spot=True)[0] == "m7i.xlarge"


@pytest.mark.parametrize(
    "gpu, count, machine, expected",
    [
        ("nvidia-a10g", 1, "general-medium", "g5.xlarge"),
        ("nvidia-a10g", 1, "general-xlarge", "g5.4xlarge"),
        ("nvidia-a10g", 2, "general-medium", "g5.12xlarge"),
        ("nvidia-t4", 1, "general-large", "g4dn.2xlarge"),
        ("nvidia-l4", 8, "general-small", "g6.48xlarge"),
        ("nvidia-a100", 1, "general-small", "p4d.24xlarge"),
    ],
)
def test_gpu_instance_choice(gpu, count, machine, expected) -> None:
    assert machines.gpu_instance_type("aws", gpu, count, machine) == expected


def test_missing_gpu_offers_are_explicit_errors() -> None:
    with pytest.raises(machines.NoSuchMachine, match="gcp offers no nvidia-a10g"):
        machines.gpu_instance_type("gcp", "nvidia-a10g", 1, "general-medium")
    with pytest.raises(machines.NoSuchMachine, match="8 GPUs"):
        machines.gpu_instance_type("azure", "nvidia-a100", 8, "general-medium")
