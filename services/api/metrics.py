"""Prometheus metrics at /metrics: commands, GraphQL operations, projections, event-store writes.

Labels are bounded and carry nothing sensitive: command names and public error codes from the
schema, the names of the named operations of graphql/operations/ (any other name a client sends
is "other", a nameless operation "anonymous"), projection names. Each app has its own registry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from inspect import isawaitable
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, OperationDefinitionNode, default_field_resolver, parse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from strawberry.extensions import SchemaExtension

from services.api.problems import code_of
from services.status import ProjectionStatus

log = logging.getLogger("concord.commands")
_SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def named_operations(directory: Path) -> frozenset[str]:
    """The names of the operations in the contract's ``*.graphql`` files."""
    return frozenset(
        definition.name.value
        for path in directory.glob("*.graphql")
        for definition in parse(path.read_text(encoding="utf-8")).definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name is not None
    )


class Metrics:
    """``operations``: the names worth a series of their own; a client chooses any other name."""

    def __init__(self, operations: Iterable[str] = ()) -> None:
        self._operations = frozenset(operations)
        # Each series looked up once: prometheus_client's labels() validates, converts and locks
        # on every call. Bounded: mutation names times public codes, named operations times two.
        self._command_series: dict[tuple[str, str], Counter] = {}
        self._operation_series: dict[tuple[str | None, bool], Histogram] = {}
        self.registry = CollectorRegistry()
        r = self.registry
        self.commands = Counter(
            "concord_commands",
            "Commands (GraphQL mutations) by name and outcome",
            ["command", "outcome"],
            registry=r,
        )
        self.operations = Histogram(
            "concord_graphql_operation_seconds",
            "GraphQL operations by operation name: latency, and whether they answered with errors",
            ["operation", "result"],
            buckets=_SECONDS,
            registry=r,
        )
        self.position = Gauge(
            "concord_projection_position", "Position each projection has reached", ["projection"], registry=r
        )
        self.lag = Gauge(
            "concord_projection_lag",
            "Positions each projection is behind the log",
            ["projection"],
            registry=r,
        )
        self.failures = _ProjectionFailures()
        r.register(self.failures)
        self.head = Gauge("concord_event_log_head", "The last position recorded in the event log", registry=r)
        self.writes = Histogram(
            "concord_event_store_write_seconds",
            "Time to record one transaction of events",
            buckets=_SECONDS,
            registry=r,
        )

    def operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        return name if name in self._operations else "other"

    def observe_operation(self, name: str | None, seconds: float, ok: bool) -> None:
        key = (name, ok)
        series = self._operation_series.get(key)
        if series is None:
            series = self.operations.labels(self.operation_label(name), "ok" if ok else "errors")
            if name is None or name in self._operations:  # a client's made-up names are not kept
                self._operation_series[key] = series
        series.observe(seconds)

    def observe_command(self, command: str, outcome: str, seconds: float) -> None:
        key = (command, outcome)
        series = self._command_series.get(key)
        if series is None:
            series = self._command_series[key] = self.commands.labels(command, outcome)
        series.inc()
        log.info(
            "command %s: %s in %.1f ms",
            command,
            outcome,
            seconds * 1000,
            extra={"command": command, "outcome": outcome},
        )

    def observe_projections(self, statuses: list[ProjectionStatus]) -> None:
        for status in statuses:
            self.position.labels(status.name).set(status.position or 0)
            self.lag.labels(status.name).set(status.lag)
            self.head.set(status.head)
        self.failures.observe(statuses)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _ProjectionFailures(Collector):
    """``concord_projection_failures_total``: the failures each projection's tracking row counts,
    so that every API process reports them, whichever process projects."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def observe(self, statuses: list[ProjectionStatus]) -> None:
        self._counts = {status.name: status.failures for status in statuses}

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "concord_projection_failures", "Times each projection failed on a batch", labels=["projection"]
        )
        for name, count in sorted(self._counts.items()):
            family.add_metric([name], count)
        yield family


class OperationLatency(SchemaExtension):
    """Times each operation, named as the request or its document names it."""

    def __init__(self, observe: Callable[[str | None, float, bool], None]) -> None:
        self._observe = observe

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        result = context.result
        ok = not context.pre_execution_errors and not (result is not None and result.errors)
        self._observe(context.operation_name, time.perf_counter() - started, ok)


def observe_commands(schema: GraphQLSchema, observe: Callable[[str, str, float], None]) -> None:
    """Counts each mutation root field as it ends: ``ok`` or the public error code it ended with.

    Wrapped around the Mutation fields' resolvers (outside the access policy's gates, so that
    refusals count) rather than as an extension's ``resolve`` hook, which graphql-core would
    call on every field of every result (1,500 times for a page of 100 requests).
    """
    if schema.mutation_type is None:
        return
    for name, field in schema.mutation_type.fields.items():
        field.resolve = _timed(name, field.resolve or default_field_resolver, observe)


def _timed(
    command: str, resolve: Callable[..., Any], observe: Callable[[str, str, float], None]
) -> Callable[..., Any]:
    def timed(root: Any, info: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = resolve(root, info, **kwargs)
        except Exception as error:
            observe(command, code_of(error).lower(), time.perf_counter() - started)
            raise
        if isawaitable(result):
            return _finish(command, started, result, observe)
        observe(command, "ok", time.perf_counter() - started)
        return result

    return timed


async def _finish(
    command: str, started: float, result: Awaitable[Any], observe: Callable[[str, str, float], None]
) -> Any:
    try:
        value = await result
    except Exception as error:
        observe(command, code_of(error).lower(), time.perf_counter() - started)
        raise
    observe(command, "ok", time.perf_counter() - started)
    return value
