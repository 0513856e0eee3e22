"""CPU per ``postRequest`` in one process, with strawberry's argument conversion and with the plan
compiled at schema build (``services.api.strawberry_internals``).

Three figures, each from ``time.process_time`` (which the other engineers' load moves far less
than a wall clock):

- the conversion alone: postRequest's arguments, as graphql-core hands them to the resolver;
- the GraphQL execution of postRequest (``schema.execute`` with the app's extensions, a real
  ``Context`` and the access policy), the command's call answered with the result it gave the
  first time, so that only the API's own Python is timed; both schemas in alternating rounds;
- with ``--end-to-end``: the whole app called through raw ASGI on SQLite (HTTP handling,
  authentication, GraphQL, the command in the executor's threads and the projections that follow
  it), one conversion a run: compare runs minutes apart (``--strawberry-arguments``).

    python -m bench.command_cpu [--executions 3000] [--rounds 6]
    python -m bench.command_cpu --end-to-end [--commands 640] [--strawberry-arguments]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
import strawberry
from graphql import OperationDefinitionNode, get_argument_values, get_variable_values, parse
from strawberry.types.arguments import convert_arguments

from bench.http_load import POST_BODY, POST_VARIABLES
from domain.access import Role
from domain.codes import MemberState
from services.api import schema as schema_package
from services.api.app import create_app
from services.api.schema.context import Context
from services.api.strawberry_internals import ConvertedArguments
from services.bootstrap import Runtime, start
from services.identity.access import Principal
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings

T = TypeVar("T")
OPEN_CRISIS = "mutation($i: OpenCrisisInput!) { openCrisis(input: $i) { crisis { id } } }"
CRISIS = {"i": {"name": "CPU", "affectedStates": ["PHL"], "startDate": "2026-11-01"}}
COORDINATOR = Principal(subject="bench-coordinator", role=Role.COORDINATOR, member_state=MemberState.PHL)
SECRETARIAT = Principal(subject="bench-secretariat", role=Role.SECRETARIAT)


def conversion_cost(calls: int = 20_000) -> tuple[float, float]:
    """µs of CPU to convert postRequest's arguments: strawberry's, then the compiled plan's."""
    built = schema_package.schema
    converter = built.schema_converter
    graphql_schema = built._schema  # noqa: SLF001 (strawberry keeps the graphql-core schema there)
    mutation = graphql_schema.mutation_type
    assert mutation is not None
    field = mutation.fields["postRequest"]
    definition = field.extensions[converter.DEFINITION_BACKREF]
    operation = parse(str(POST_BODY["query"])).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    variables = get_variable_values(
        graphql_schema, operation.variable_definitions or (), {"i": {**POST_VARIABLES["i"], "crisisId": "x"}}
    )
    node = operation.selection_set.selections[0]
    values = get_argument_values(field, node, variables)  # type: ignore[arg-type]
    compiled = ConvertedArguments(definition, converter)
    arguments, scalars, config = definition.arguments, converter.scalar_registry, converter.config
    started = time.process_time()
    for _ in range(calls):
        convert_arguments(values, arguments, scalars, config, None)
    theirs = time.process_time() - started
    started = time.process_time()
    for _ in range(calls):
        compiled(values, None)
    ours = time.process_time() - started
    return theirs / calls * 1e6, ours / calls * 1e6


@asynccontextmanager
async def _database(database_url: str | None) -> Any:
    with tempfile.TemporaryDirectory(prefix="concord-command-cpu-") as directory:
        settings = Settings(
            data_dir=Path(directory) / "var",
            rate_limit_per_minute=10**9,
            rate_limit_burst=10**9,
            **({"database_url": database_url} if database_url else {}),
        )
        migrate(storage_for(settings))
        yield settings


class Replayed(Context):
    """A context whose command calls answer with what the first real call returned."""

    answers: dict[Any, Any]

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        key = getattr(call, "__name__", call)
        if key not in self.answers:
            self.answers[key] = await super().run(call, *args, **kwargs)
        answer: T = self.answers[key]
        return answer


async def execution_cost(executions: int, rounds: int, database_url: str | None) -> dict[str, list[float]]:
    """µs of CPU per ``schema.execute`` of postRequest, for each conversion, in alternating rounds."""
    real = schema_package.convert_arguments_once
    schemas = {"compiled": schema_package.build_schema()}
    schema_package.convert_arguments_once = lambda *_args: None  # type: ignore[assignment]
    try:
        schemas["strawberry's"] = schema_package.build_schema()
    finally:
        schema_package.convert_arguments_once = real  # type: ignore[assignment]
    figures: dict[str, list[float]] = {name: [] for name in schemas}
    async with _database(database_url) as settings, _running(settings) as runtime:
        answers: dict[Any, Any] = {}

        def context(principal: Principal) -> Replayed:
            made = Replayed(runtime=runtime, principal=principal, correlation_id="bench")
            made.answers = answers
            return made

        opened = await schemas["compiled"].execute(OPEN_CRISIS, CRISIS, context_value=context(SECRETARIAT))
        assert opened.data is not None, opened.errors
        answers.clear()
        variables = {"i": {**POST_VARIABLES["i"], "crisisId": opened.data["openCrisis"]["crisis"]["id"]}}
        query = str(POST_BODY["query"])

        async def execute(schema: strawberry.Schema) -> None:
            result = await schema.execute(query, variables, context_value=context(COORDINATOR))
            assert not result.errors, result.errors

        for schema in schemas.values():  # warm both, and record the one real command
            for _ in range(200):
                await execute(schema)
        for _ in range(rounds):
            for name, schema in schemas.items():
                started = time.process_time()
                for _ in range(executions):
                    await execute(schema)
                figures[name].append((time.process_time() - started) / executions * 1e6)
    return figures


def _running(settings: Settings) -> AbstractAsyncContextManager[Runtime]:
    @asynccontextmanager
    async def running() -> Any:
        runtime = await start(settings, run_projections=False)
        try:
            yield runtime
        finally:
            await runtime.close()

    return running()


class Asgi:
    """Sends one POST /graphql at a time straight into the ASGI app: no socket, no HTTP client."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        payload = orjson.dumps(body)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"concord"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"authorization", f"Bearer {token}".encode()),
            ],
            "client": ("127.0.0.1", 40000),
            "server": ("concord", 80),
        }
        sent = False
        chunks: list[bytes] = []
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": payload, "more_body": False}
            await asyncio.Event().wait()  # the client never goes away
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        result: dict[str, Any] = orjson.loads(b"".join(chunks))
        if status != [200] or result.get("errors"):
            msg = f"HTTP {status}: {result}"
            raise RuntimeError(msg)
        return result


async def end_to_end_cost(
    commands: int, rounds: int, warmup: int, concurrency: int, database_url: str | None
) -> list[float]:
    """µs of this process's CPU per postRequest through the app, one figure a round."""
    async with _database(database_url) as settings:
        app = create_app(settings)
        signer = DevSigner(settings.data_dir, settings.auth_audience)
        coordinator = signer.issue(
            subject=COORDINATOR.subject, role=Role.COORDINATOR, member_state=MemberState.PHL
        )
        secretariat = signer.issue(subject=SECRETARIAT.subject, role=Role.SECRETARIAT)
        async with app.router.lifespan_context(app):
            client = Asgi(app)
            opened = await client.post({"query": OPEN_CRISIS, "variables": CRISIS}, secretariat)
            body = {
                **POST_BODY,
                "variables": {
                    "i": {**POST_VARIABLES["i"], "crisisId": opened["data"]["openCrisis"]["crisis"]["id"]}
                },
            }

            async def post(count: int) -> None:
                for _ in range(count):
                    await client.post(body, coordinator)

            async def posted(count: int) -> int:
                await asyncio.gather(*(post(count // concurrency) for _ in range(concurrency)))
                return count // concurrency * concurrency

            await posted(warmup)
            figures = []
            for _ in range(rounds):
                started = time.process_time()
                sent = await posted(commands)
                figures.append((time.process_time() - started) / sent * 1e6)
            return figures


def _rounds(figures: list[float]) -> str:
    return f"{statistics.median(figures):.0f} µs (rounds: {' '.join(f'{f:.0f}' for f in figures)})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executions", type=int, default=3000, help="schema.execute calls a round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--database-url", help="an empty database to migrate (default: SQLite in a temp dir)")
    parser.add_argument("--end-to-end", action="store_true", help="time the whole app instead")
    parser.add_argument("--commands", type=int, default=640, help="end to end: postRequests a round")
    parser.add_argument("--warmup", type=int, default=160, help="end to end: postRequests first")
    parser.add_argument("--concurrency", type=int, default=16, help="end to end: postRequests at once")
    parser.add_argument("--strawberry-arguments", action="store_true", help="end to end: strawberry's")
    args = parser.parse_args()
    if args.end_to_end:
        if args.strawberry_arguments:
            schema_package.convert_arguments_once = lambda *_args: None  # type: ignore[assignment]
        figures = asyncio.run(
            end_to_end_cost(args.commands, args.rounds, args.warmup, args.concurrency, args.database_url)
        )
        kind = "strawberry's" if args.strawberry_arguments else "compiled"
        print(f"end to end, {kind} conversion: CPU per postRequest {_rounds(figures)}")
    else:
        theirs, ours = conversion_cost()
        print(f"postRequest's arguments converted: strawberry {theirs:.1f} µs, compiled {ours:.1f} µs")
        for name, figures in asyncio.run(
            execution_cost(args.executions, args.rounds, args.database_url)
        ).items():
            print(f"schema.execute of postRequest, {name} conversion: {_rounds(figures)}")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
