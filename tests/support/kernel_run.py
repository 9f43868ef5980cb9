"""One recorded run of a cloud backend on the simulated cloud, and lookups over what it registered: the
harness of the component tests of every cloud."""

from __future__ import annotations

from collections import Counter
from typing import Callable

from kernelctl.plan.recorder import RecordingMonitor
from kernelctl.plan.runner import execute
from kernelctl.plan.simulated import SimulatedCloud
from kernelctl.plan.simulated.context import SimContext

PROJECT = "cloud-kernel"


class KernelRun:
    cloud = ""  # the `<cloud>` of `cloud-kernel:<cloud>:<Entity>` component types

    def record(self, program: Callable[[], None], *, stack: str, region: str) -> None:
        """Run `program`; the simulated cloud must answer every type and no URN may repeat."""
        self.sim = SimContext(project=PROJECT, stack=stack, region=region)
        cloud = SimulatedCloud(self.sim)
        monitor = RecordingMonitor(cloud)
        execute(program, project=PROJECT, stack=stack, monitor=monitor)
        assert cloud.warnings() == []
        assert monitor.duplicates == []
        self.regs = monitor.registrations
        self.outputs = monitor.stack_outputs

    def one(self, type_: str, name: str):
        found = [r for r in self.regs.values() if r.type == type_ and r.name == name]
        assert len(found) == 1, (type_, name, [r.name for r in self.regs.values() if r.type == type_])
        return found[0]

    def all(self, type_: str):
        return sorted((r for r in self.regs.values() if r.type == type_), key=lambda r: r.name)

    def component(self, type_: str, name: str):
        return self.one(f"cloud-kernel:{self.cloud}:{type_}", name)

    def children(self, type_: str, name: str) -> Counter:
        urn = self.component(type_, name).urn
        return Counter(r.type for r in self.regs.values() if r.parent == urn)
