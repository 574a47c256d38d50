"""Applying the Alembic migrations that ship inside the package."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from .errors import MigrationError

if TYPE_CHECKING:
    from alembic.config import Config

# the newest revision in migrations/versions (a test checks it against Alembic's own view); knowing it
# without importing Alembic keeps opening an up-to-date store fast
HEAD = "0008"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


@cache
def head_revision() -> str:
    """Alembic's view of the newest revision (loads every migration script)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to `revision` (default: the newest); returns the revision now in place."""
    if revision in ("head", HEAD) and current_revision(engine) == HEAD:
        return HEAD  # the common case on every open: nothing to do, no need to load Alembic
    from alembic import command

    cfg = alembic_config(engine)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except Exception as exc:  # alembic raises many types; say what to do
        raise MigrationError(
            f"could not upgrade the database at {engine.url.render_as_string(hide_password=True)} to "
            f"{revision}: {exc}. Check that the URL points at a sheetsync database (or an empty one) "
            "and that this sheetsync is not older than the database"
        ) from exc
    return current_revision(engine)


def downgrade(engine: Engine, revision: str) -> str | None:
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    return current_revision(engine)
