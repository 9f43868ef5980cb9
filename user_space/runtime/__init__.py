"""The Resource runtime: a kopf operator that reconciles every custom resource of `kernel.cloudkernel.io`
with the pure compiler (`user_space.compiler`), the same one `kernelctl plan` and `render` use.

Modules: `kinds` (watched kinds, labels), `dependencies` (what a Resource waits for), `desired` (one
Resource's objects), `status` (DataOS status and runtime), `cluster` (the API client), `reconciler` (the
loop), `operator` (kopf wiring), `leader` (the Lease), `migrations` (Database migrations), `run`.
"""
