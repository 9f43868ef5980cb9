"""The simulated cloud: `Mocks` that answer every resource type and invoke the program uses.

Each cloud has a module with `RESOURCES` (type token -> handler computing outputs such as ids, ARNs,
endpoints, a kubeconfig or an OIDC issuer) and `CALLS` (invoke token -> handler). Outputs are the inputs
with the computed fields laid over them, as a provider returns them. A type or invoke with no entry is
echoed and reported, so gaps are visible in every plan instead of silently producing empty values.
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from kernelctl.plan.recorder import unwrap
from kernelctl.plan.simulated import aws, common, gcp, kubernetes
from kernelctl.plan.simulated.context import CallHandler, ResourceHandler, SimContext

RESOURCES: dict[str, ResourceHandler] = {**common.RESOURCES, **aws.RESOURCES, **gcp.RESOURCES}
CALLS: dict[str, CallHandler] = {**aws.CALLS, **gcp.CALLS}


class SimulatedCloud(Mocks):
    def __init__(self, ctx: SimContext):
        self.ctx = ctx
        self.unanswered_types: set[str] = set()
        self.unanswered_calls: set[str] = set()

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = unwrap(args.inputs)
        handler = RESOURCES.get(args.typ)
        if handler is None and kubernetes.is_kubernetes_object(args.typ):
            handler = kubernetes.kubernetes_object
        elif handler is None and args.typ == kubernetes.HELM_RELEASE:
            handler = kubernetes.helm_release
        if handler is None:
            if args.custom:
                self.unanswered_types.add(args.typ)
            return f"{args.name}-{self.ctx.digest(args.typ, args.name, length=8)}", inputs
        resource_id, computed = handler(args, inputs, self.ctx)
        return resource_id, {**inputs, **computed}

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        handler = CALLS.get(args.token)
        if handler is None:
            self.unanswered_calls.add(args.token)
            return {}
        return handler(args, unwrap(args.args), self.ctx)

    def warnings(self) -> list[str]:
        found = [f"simulated cloud has no outputs for resource type {t}; inputs echoed" for t in self.unanswered_types]
        found += [f"simulated cloud has no answer for invoke {t}; returned nothing" for t in self.unanswered_calls]
        return sorted(found)
