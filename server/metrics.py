"""Prometheus metrics of one process: connections, messages, queue depths, ack latency."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class _Callback(Collector):
    """Gauges read at scrape time from live objects (hub stats, outbox depths)."""

    def __init__(self, read: Callable[[], dict[str, float]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        for name, value in self._read().items():
            yield GaugeMetricFamily(f"dialoog_{name}", name.replace("_", " "), value=value)


class Metrics:
    """One registry per app, so several apps in one test process never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connections = Gauge(
            "dialoog_ws_connections", "Open websocket connections", registry=self.registry
        )
        self.messages_in = Counter(
            "dialoog_ws_messages_in", "Client messages received", ["type"], registry=self.registry
        )
        self.messages_out = Counter(
            "dialoog_ws_frames_out", "Frames sent to clients", registry=self.registry
        )
        self.ack_latency = Histogram(
            "dialoog_ack_latency_seconds",
            "From a write's arrival to its ack (commit included)",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )

    def watch(self, read: Callable[[], dict[str, float]]) -> None:
        """Expose live values (queue depths, hub counters) as gauges."""
        self.registry.register(_Callback(read))
