"""Flask extensions, created unbound and initialised in the app factory."""
from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class HoldingSession(FlaskSession):
    """A session whose transaction an outer unit may hold (``hold``): until ``release_hold``, the actions'
    ``commit()`` only ends a savepoint and ``rollback()`` returns to it, and the outer unit commits once — so
    what it adds after the action (an Idempotency-Key with the answer, app.idempotency) commits with it.
    Without a hold it is the ordinary session."""

    held = None  # the savepoint (SessionTransaction) of the current action, while a hold is on
    held_commits = 0  # how many times an action committed under the hold

    def hold(self) -> None:
        """Call after the unit's first write (on SQLite that write opened the real transaction)."""
        self.held, self.held_commits = self.begin_nested(), 0

    def release_hold(self, commit: bool) -> None:
        """End the hold: commit (or roll back) the whole unit."""
        held, self.held = self.held, None
        if held is not None and held.is_active:
            held.commit() if commit else held.rollback()
        super().commit() if commit else super().rollback()

    def commit(self) -> None:
        if self.held is None:
            return super().commit()
        self.held.commit()
        self.held_commits += 1
        self.held = self.begin_nested()

    def rollback(self) -> None:
        if self.held is None:
            return super().rollback()
        if self.held.is_active:  # else a failed flush already returned to the savepoint
            self.held.rollback()
        self.held = self.begin_nested()

    def close(self) -> None:
        self.held = None
        super().close()


db = SQLAlchemy(model_class=Base, session_options={"class_": HoldingSession})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
