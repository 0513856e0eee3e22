"""Persisted documents: the named operations of graphql/operations/, known before any request.

Each is read, parsed and validated once, at start-up, and may be sent by its hash instead of its
text, as the GraphQL-over-HTTP community's persisted documents (``{"documentId":
"sha256:<hex>"}``) or Apollo's (``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash":
"<hex>"}}}``) send it. A query operation among them is compiled (services.api.compiled), whether
it comes by its hash or by its exact text, as the dashboard and the workbench send it; any other
document takes the general path.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, parse, validate

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


@dataclass(frozen=True)
class Persisted:
    name: str
    text: str
    compiled: CompiledOperation | None


class PersistedDocuments:
    def __init__(self, documents: list[Persisted]) -> None:
        self._by_hash = {_sha256(d.text): d for d in documents}
        self._by_text = {d.text: d for d in documents}

    @classmethod
    def load(cls, schema: GraphQLSchema, directory: Path) -> PersistedDocuments:
        """Every ``*.graphql`` of ``directory``, parsed and validated against ``schema``."""
        documents = []
        for path in sorted(directory.glob("*.graphql")):
            text = path.read_text(encoding="utf-8")
            document = parse(text)
            errors = validate(schema, document)
            if errors:
                msg = f"the named operation {path.name} does not validate: {errors[0].message}"
                raise ValueError(msg)
            try:
                compiled: CompiledOperation | None = CompiledOperation(schema, document)
            except NotCompiled as why:
                _log.debug("%s takes the general path: %s", path.stem, why)
                compiled = None
            documents.append(Persisted(path.stem, text, compiled))
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
        """The compiled plan of a known query operation's text, if it has one and is the one named."""
        known = self._by_text.get(query) if isinstance(query, str) else None
        if known is None or known.compiled is None or not known.compiled.useful:
            return None
        if operation_name is not None and operation_name != known.compiled.name:
            return None
        return known.compiled


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
