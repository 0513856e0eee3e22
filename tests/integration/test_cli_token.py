"""`concord token`: development tokens the local server accepts, one subject per role and scope."""

from __future__ import annotations

import uuid
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.identity.tokens import DEV_ISSUER, DevSigner, TokenVerifier
from services.settings import Settings


def _token(*args: str) -> str:
    done = CliRunner().invoke(app, ["token", *args])
    assert done.exit_code == 0, done.output
    return done.output.strip()


def test_each_role_and_scope_gets_a_subject_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCORD_DATA_DIR", str(tmp_path))
    first_org, second_org = uuid.uuid4(), uuid.uuid4()
    tokens = [
        _token("--role", "donor", "--org", str(first_org)),
        _token("--role", "donor", "--org", str(second_org)),
        _token("--role", "coordinator", "--state", "PHL"),
        _token("--role", "coordinator", "--state", "THA"),
        _token("--role", "secretariat"),
        _token("--role", "viewer"),
    ]
    signer = DevSigner(tmp_path, Settings().auth_audience)
    verifier = TokenVerifier([(DEV_ISSUER, signer.key_set())], Settings().auth_audience)

    subjects = [jwt.decode(t, options={"verify_signature": False})["sub"] for t in tokens]
    principals = [verifier.principal(t) for t in tokens]

    assert len(set(subjects)) == len(tokens)
    assert subjects[0] == f"dev-donor-{first_org}"
    assert subjects[2] == "dev-coordinator-PHL"
    assert len({p.identity for p in principals}) == len(tokens)
    assert {p.issuer for p in principals} == {DEV_ISSUER}
