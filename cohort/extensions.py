"""Flask extensions, created unbound here and bound in create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
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

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
