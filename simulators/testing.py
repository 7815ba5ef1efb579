"""Helpers for tests, benchmarks and the demo: a running simulator cluster in one `with`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cchc.settings import SimulatorPorts, SourceCredentials, SourceSystem
from simulators.cluster import ClusterConfig, SimulatorCluster
from simulators.http.faults import FaultConfig


@contextmanager
def running_simulators(world_config=None, *, world=None, faults: FaultConfig | None = None,
                       credentials: SourceCredentials | None = None,
                       ports: SimulatorPorts | None = None) -> Iterator[SimulatorCluster]:
    """Build (or reuse) a world and serve it on free loopback ports until the block ends."""
    if world is None:
        from simulators.world import WorldConfig, build_world

        world = build_world(world_config or WorldConfig())
    config = ClusterConfig(
        ports=ports or SimulatorPorts(district=0, ward=0, dms=0),
        credentials=credentials or SourceCredentials(),
        faults={system: faults for system in SourceSystem} if faults else {},
    )
    with SimulatorCluster(world, config) as cluster:
        cluster.wait_ready()
        yield cluster
