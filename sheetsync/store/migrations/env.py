"""Alembic environment: runs on the connection handed over by `sheetsync.store.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from sheetsync.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # plain `alembic` invocation with a URL in the config
        from sheetsync.store.engine import make_engine

        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("alembic needs `sqlalchemy.url` in its config, or a connection from sheetsync")
        engine = make_engine(url, immediate=False)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("sheetsync migrations run online only: use `sheetsync db upgrade`")
run_migrations_online()
