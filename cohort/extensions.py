"""Flask extensions, created unbound here and bound in create_app()."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can find, alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The models' base class. At run time it is `db.Model`, the declarative base Flask-SQLAlchemy
# builds from `Base` and its own Model mixin. mypy cannot use an attribute of an instance as a
# base class (python/mypy#8603), so it is given the same shape as a class of its own.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskSQLAlchemyModel

    class Model(_FlaskSQLAlchemyModel, Base):
        __abstract__ = True

else:
    Model = db.Model


class Migrations:
    """Flask-Migrate, imported only when something uses Alembic (docs/architecture.md §10).

    Importing flask_migrate imports Alembic, about a sixth of create_app(), which every web
    worker and job worker would pay for `flask db …` and the migration tests alone. So the app
    gets `app.extensions["migrate"]` with the directory and the database at once, the rest of
    Flask-Migrate's settings when first read, and a `flask db` group that loads Flask-Migrate's
    own commands when it runs. Callbacks given to `configure()` reach every Alembic config.
    """

    def __init__(self) -> None:
        self.configure_callbacks: list[Callable[[Any], Any]] = []

    def configure(self, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        self.configure_callbacks.append(f)
        return f

    def init_app(self, app: Flask, db: SQLAlchemy, directory: str, **alembic_options: Any) -> None:
        app.extensions["migrate"] = MigrationSettings(self, db, directory, alembic_options)
        app.cli.add_command(_MigrationCommands("db", help="Perform database migrations."))


class MigrationSettings:
    """`app.extensions["migrate"]`: what Flask-Migrate's own object holds, built when read."""

    def __init__(self, owner: Migrations, db: SQLAlchemy, directory: str, options: dict[str, Any]) -> None:
        self.db = db
        self.directory = directory
        self._owner = owner
        self._options = options
        self._settings: Any = None

    @property
    def metadata(self) -> MetaData:
        return self.db.metadata

    def __getattr__(self, name: str) -> Any:  # `migrate`, `configure_args`: Flask-Migrate's own
        if self._settings is None:
            from flask_migrate import Migrate, _MigrateConfig

            migrate = Migrate(db=self.db, directory=self.directory, **self._options)
            migrate.configure_callbacks = self._owner.configure_callbacks
            self._settings = _MigrateConfig(migrate, self.db, **migrate.alembic_ctx_kwargs)
        return getattr(self._settings, name)


class _MigrationCommands(click.Group):
    """`flask db`: Flask-Migrate's command group, imported when a `flask db …` command runs."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


migrate = Migrations()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
