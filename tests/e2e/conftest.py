"""End-to-end fixtures: a real control plane (etcd, kube-apiserver, kube-controller-manager built by
`make engines`) started for each test module (so modules never see each other's objects) in a temporary
directory and always stopped, even on failure. Without the engines the tests skip with the reason printed."""

from __future__ import annotations

import pytest

from tests.support.engines import running_control_plane


@pytest.fixture(scope="module")
def control_plane():
    with running_control_plane() as cluster:
        yield cluster
