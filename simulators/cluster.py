"""Start the three simulated source systems over one shared world, and stop them cleanly."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from cchc.settings import SimulatorPorts, SourceCredentials, SourceSystem
from simulators.contract import World
from simulators.http.faults import FaultConfig
from simulators.http.server import ClockLock, SimulatorServer, SystemState

DEMO_ADMIN_TOKEN = "demo-sim-admin"


@dataclass
class ClusterConfig:
    """Where and how the simulators run. Port 0 picks a free port (tests)."""

    ports: SimulatorPorts = field(default_factory=SimulatorPorts)
    credentials: SourceCredentials = field(default_factory=SourceCredentials)
    faults: dict[SourceSystem, FaultConfig] = field(default_factory=dict)
    fault_seed: int = 7
    admin_token: str = field(default_factory=lambda: os.environ.get("CCHC_SIM_ADMIN_TOKEN", DEMO_ADMIN_TOKEN))


class SimulatorCluster:
    """Three servers (district, ward, DMS) sharing one world and one clock."""

    def __init__(self, world: World, config: ClusterConfig | None = None) -> None:
        self.world = world
        self.config = config or ClusterConfig()
        self.clock = ClockLock()
        self.servers: dict[SourceSystem, SimulatorServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> SimulatorCluster:
        ports = self.config.ports
        wanted = {SourceSystem.DISTRICT: ports.district, SourceSystem.WARD: ports.ward, SourceSystem.DMS: ports.dms}
        for offset, (system, port) in enumerate(wanted.items()):
            state = SystemState(system, self.world, self.clock, self.config.credentials,
                                self.config.faults.get(system, FaultConfig()), self.config.fault_seed + offset,
                                self.config.admin_token)
            server = SimulatorServer(ports.host, port, state, self.move_clock)
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=f"sim-{system.value}", daemon=True)
            thread.start()
            self.servers[system] = server
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.servers.clear()
        self._threads.clear()

    def __enter__(self) -> SimulatorCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def base_url(self, system: SourceSystem) -> str:
        return self.servers[system].base_url

    @property
    def base_urls(self) -> dict[SourceSystem, str]:
        return {system: server.base_url for system, server in self.servers.items()}

    def ports(self) -> SimulatorPorts:
        """The ports actually bound (useful when the config asked for port 0)."""
        bound = {s: srv.server_address[1] for s, srv in self.servers.items()}
        return SimulatorPorts(self.config.ports.host, bound[SourceSystem.DISTRICT], bound[SourceSystem.WARD],
                              bound[SourceSystem.DMS])

    def set_faults(self, faults: FaultConfig, systems: tuple[SourceSystem, ...] = tuple(SourceSystem)) -> None:
        for system in systems:
            self.servers[system].state.set_faults(faults)

    def move_clock(self, as_of: datetime) -> None:
        """Advance (or rewind) the simulated clock; every system sees the new state at once."""

        def rebuild():
            self.world.set_as_of(as_of)
            for server in self.servers.values():
                server.state.on_clock_moved()

        self.clock.exclusive(rebuild)

    def wait_ready(self, timeout: float = 10.0) -> None:
        for url in self.base_urls.values():
            httpx.get(f"{url}/_sim/health", timeout=timeout).raise_for_status()
