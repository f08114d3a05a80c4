"""Declarative base with a constraint naming convention and the shared column types.

Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC (used as a callable column default)."""
    return datetime.now(UTC)


class AwareDateTime(TypeDecorator):
    """Timezone-aware UTC instants on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def render_migration_item(type_: str, obj, autogen_context):
    """Alembic autogenerate hook: write our column types as plain SQLAlchemy types, so
    migrations do not import the application."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint that ``column`` holds one of ``values``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Kronor, exact: never a float. 14 digits before the point is enough for any municipality.
Money = Numeric(16, 2, asdecimal=True)
Percent = Numeric(7, 3, asdecimal=True)
FTE = Numeric(6, 2, asdecimal=True)

money = Annotated[Decimal, mapped_column(Money)]
str200 = Annotated[str, mapped_column(String(200))]
