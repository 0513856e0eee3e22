"""Persisted documents: the named operations of graphql/operations/, known before any request.

Each is read and parsed once, at start-up, and may be sent by its hash instead of its text, as the
GraphQL-over-HTTP community's persisted documents (``{"documentId": "sha256:<hex>"}``) or Apollo's
(``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}``) send it. An
operation among them is compiled (services.api.compiled) once, when it is first asked for
(validated then, and compiled if it validates), whether by its hash or by its exact text, as the
dashboard and the workbench send it; any other document, and one that does not validate, takes the
general path, which answers with its errors. A mutation among them is compiled too: its input
coerced and its payload completed by the plan, its command called once (services.api.compiled).
(Validating and compiling all of them at start-up cost about a second of CPU for every app made,
most of it for operations a process may never serve; tests/unit/test_contract.py validates every
one.)
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLSchema, parse, validate

from services.api.compiled import CompiledOperation, NotCompiled

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
BAD_INPUT = "BAD_USER_INPUT"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_log = logging.getLogger(__name__)


class PersistedError(Exception):
    """A document id this server cannot take: answered as a GraphQL request error with ``code``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class Persisted:
    """A named operation: its text, and its compiled plan once it is first asked for."""

    _UNKNOWN: Any = object()

    def __init__(
        self,
        name: str,
        text: str,
        schema: GraphQLSchema,
        document: DocumentNode,
        executor: type[Any] | None = None,
    ) -> None:
        self.name = name
        self.text = text
        self._schema = schema
        self._executor = executor
        self._document = document
        self._compiled: CompiledOperation | None = self._UNKNOWN
        self._compiling = threading.Lock()

    @property
    def compiled(self) -> CompiledOperation | None:
        """The operation's plan (None when it takes the general path), compiled on first use."""
        if self._compiled is self._UNKNOWN:
            with self._compiling:
                if self._compiled is self._UNKNOWN:
                    self._compiled = self._compile()
        return self._compiled

    def _compile(self) -> CompiledOperation | None:
        errors = validate(self._schema, self._document)
        if errors:
            _log.warning("the named operation %s does not validate: %s", self.name, errors[0].message)
            return None
        try:
            return CompiledOperation(self._schema, self._document, self._executor)
        except NotCompiled as why:
            _log.debug("%s takes the general path: %s", self.name, why)
            return None


class PersistedDocuments:
    def __init__(self, documents: list[Persisted]) -> None:
        self._by_hash = {_sha256(d.text): d for d in documents}
        self._by_text = {d.text: d for d in documents}

    @classmethod
    def load(
        cls, schema: GraphQLSchema, directory: Path, executor: type[Any] | None = None
    ) -> PersistedDocuments:
        """Every ``*.graphql`` of ``directory``, parsed (validated against ``schema`` on first use).
        ``executor``: the executor class the schema runs on (a mutation's plan replays on it)."""
        documents = []
        for path in sorted(directory.glob("*.graphql")):
            text = path.read_text(encoding="utf-8")
            documents.append(Persisted(path.stem, text, schema, parse(text), executor))
        return cls(documents)

    def __iter__(self) -> Any:
        return iter(self._by_text.values())

    def query(self, query: Any, document_id: Any, extensions: Any) -> Any:
        """The document's text: the query sent, or the persisted document its id names."""
        wanted = _wanted_hash(document_id, extensions)
        if wanted is None:
            return query
        if isinstance(query, str) and query.strip():
            if _sha256(query) != wanted:
                raise PersistedError(
                    "the query's SHA-256 hash is not the persisted document's hash", BAD_INPUT
                )
            return query
        known = self._by_hash.get(wanted)
        if known is None:
            raise PersistedError(f"no persisted document has the hash sha256:{wanted}", NOT_FOUND)
        return known.text

    def compiled(self, query: Any, operation_name: Any) -> CompiledOperation | None:
        """The compiled plan of a known operation's text, if it has one and is the one named."""
        known = self._by_text.get(query) if isinstance(query, str) else None
        plan = None if known is None else known.compiled
        if plan is None:
            return None
        if operation_name is not None and operation_name != plan.name:
            return None
        return plan


def document_id(text: str) -> str:
    """The id a client sends for a document: ``sha256:`` and the hex hash of its UTF-8 text."""
    return f"sha256:{_sha256(text)}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _wanted_hash(document_id: Any, extensions: Any) -> str | None:
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if document_id is None and persisted is None:
        return None
    if document_id is not None:
        if not isinstance(document_id, str) or not document_id.startswith("sha256:"):
            raise PersistedError('documentId must be a string "sha256:<64 hex digits>"', BAD_INPUT)
        wanted = document_id.removeprefix("sha256:")
    else:
        if not isinstance(persisted, dict) or persisted.get("version", 1) != 1:
            raise PersistedError("extensions.persistedQuery must be {version: 1, sha256Hash}", BAD_INPUT)
        wanted = persisted.get("sha256Hash", "")
    if not isinstance(wanted, str) or not _SHA256.match(wanted):
        raise PersistedError("a document's hash is 64 lower-case hex digits of its SHA-256", BAD_INPUT)
    return wanted
