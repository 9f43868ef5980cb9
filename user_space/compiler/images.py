"""Images the compiler itself puts into pods (Stack images live in user_space/stacks/*.yaml).

Each is pinned by digest (`tag@sha256:`, the multi-arch index) so a moved tag never changes what runs and checkov's
CKV_K8S_43 holds. No registry is reachable where this project is built, so each digest was taken from public text
that pairs it with the tag (registry image lists, Renovate-pinned files); the source is named beside it. To move a
tag, take the new index digest from the registry (`crane digest IMAGE:TAG`) and update both.
"""

from __future__ import annotations

#: Trino (Cluster/Minerva). 476: a release whose index digest is published in two independent places (an image
#: inventory table and a licence notice); no public text gives one for 463.
TRINO_IMAGE = "docker.io/trinodb/trino:476@sha256:00125e40d063bc4816d165482f6044872b18b56026fb959d3b28ce1f96ffbbee"

#: curl for the catalog calls of Lakehouse and Cluster jobs (ten independent pins agree).
CURL_IMAGE = "docker.io/curlimages/curl:8.10.1@sha256:d9b4541e214bcd85196d6e92e2753ac6d0ea699f0af5741f8c6cccbfcf00ef4b"

#: psql for Database bootstrap and migrations (psql 16 talks to servers 11 to 17; several independent pins agree).
POSTGRES_CLIENT_IMAGE = (
    "docker.io/library/postgres:16.4-alpine@sha256:5660c2cbfea50c7a9127d17dc4e48543eedd3d7a41a595a2dfa572471e37e64c"
)

#: git-sync clones a runnable's repository (the digest is in the registry's own image list, kubernetes/k8s.io
#: registry.k8s.io/images/k8s-staging-git-sync/images.yaml).
GIT_SYNC_IMAGE = (
    "registry.k8s.io/git-sync/git-sync:v4.3.0@sha256:5813a7da0ccd58f6dfb9d5e48480e2877355e6bb3d7d81c8908eb1adc3a23b6e"
)
