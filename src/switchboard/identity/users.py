"""The ``users`` table: staff accounts with argon2 password hashes.

Passwords are hashed with argon2id through ``pwdlib`` (its ``Argon2Hasher``,
argon2-cffi's RFC 9106 defaults); a hash made with older parameters is
re-hashed on the next successful sign-in. A missing or disabled user costs the
same hash check as a wrong password, so timing does not tell which names exist.

Table ``users`` (own declarative base, created if missing on the store's
engine, like the routing tables)::

    username PK  role  password_hash  disabled  created_at  updated_at
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel
from sqlalchemy import Boolean, DateTime, Engine, String, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.errors import InputError, StoreError
from switchboard.identity.errors import UnknownUserError, UserExistsError
from switchboard.identity.roles import STAFF_ROLES, Role

#: User names: letters, digits and ``._@-``, 1..64 characters (they name desk agents too).
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: Shortest password accepted (NIST SP 800-63B §5.1.1.2: at least 8 characters).
MIN_PASSWORD = 8
#: Longest password accepted (bounds the hashing work one request can ask for).
MAX_PASSWORD = 256


class IdentityBase(DeclarativeBase):
    """Declarative base of the identity tables."""


class UserRow(IdentityBase):
    """One staff account."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


_USERS = UserRow.__table__


class User(BaseModel):
    """A staff account as the API and CLI show it (never the hash)."""

    username: str
    role: Role
    disabled: bool
    created_at: datetime


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _user(row: Any) -> User:
    return User(
        username=row.username,
        role=Role(row.role),
        disabled=row.disabled,
        created_at=row.created_at.replace(tzinfo=UTC),
    )


class UserDirectory:
    """Staff accounts over one SQLAlchemy engine (the store's).

    Args:
        engine: the engine of the store (``SqlStore.engine``) or any supported one.
        create: create the ``users`` table if missing (idempotent).

    Raises:
        StoreError: the table cannot be created.
    """

    def __init__(self, engine: Engine, *, create: bool = True) -> None:
        self.engine = engine
        self._hasher = PasswordHash((Argon2Hasher(),))
        self._dummy = self._hasher.hash("not-a-password-of-anyone")
        if create:
            for attempt in (1, 2):  # replicas starting at once race on CREATE TABLE (PostgreSQL)
                try:
                    with engine.begin() as conn:
                        IdentityBase.metadata.create_all(conn)
                    break
                except SQLAlchemyError as exc:
                    if attempt == 2:
                        kind = type(exc).__name__
                        raise StoreError(f"cannot create the users table ({kind})") from exc

    def add(self, username: str, role: Role | str, password: str) -> User:
        """Create a user.

        Raises:
            InputError: bad name, role not a staff role, password too short/long.
            UserExistsError: the name is taken.
            StoreError: the database failed.
        """
        role = self._role(role)
        if not USERNAME.match(username):
            raise InputError("user name: 1..64 of letters, digits and ._@- (starting alnum)")
        self._check_password(password)
        now = _now()
        row = {
            "username": username,
            "role": role.value,
            "password_hash": self._hasher.hash(password),
            "disabled": False,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(UserRow), row)
        except IntegrityError:
            raise UserExistsError(f"user {username!r} exists already") from None
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot add the user ({type(exc).__name__})") from exc
        return User(
            username=username, role=role, disabled=False, created_at=now.replace(tzinfo=UTC)
        )

    def get(self, username: str) -> User | None:
        """The user ``username``, or None."""
        row = self._row(username)
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        """Every user, by name."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(_USERS).order_by(_USERS.c.username)).all()
            return [_user(r) for r in rows]

    def count(self, role: Role | None = None) -> int:
        """How many enabled users there are (of ``role`` when given)."""
        return sum(1 for u in self.list() if not u.disabled and (role is None or u.role is role))

    def set_disabled(self, username: str, disabled: bool = True) -> User:
        """Disable (or re-enable) a user; a disabled user cannot sign in.

        Raises:
            UnknownUserError: no such user.
        """
        with self.engine.begin() as conn:
            done = conn.execute(
                update(UserRow)
                .where(UserRow.username == username)
                .values(disabled=disabled, updated_at=_now())
            )
        if done.rowcount == 0:
            raise UnknownUserError(f"no user {username!r}")
        user = self.get(username)
        assert user is not None  # just updated
        return user

    def set_password(self, username: str, password: str) -> None:
        """Replace a user's password.

        Raises:
            UnknownUserError: no such user.
            InputError: the password is too short/long.
        """
        self._check_password(password)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(UserRow)
                .where(UserRow.username == username)
                .values(password_hash=self._hasher.hash(password), updated_at=_now())
            )
        if done.rowcount == 0:
            raise UnknownUserError(f"no user {username!r}")

    def authenticate(self, username: str, password: str) -> User | None:
        """Return the enabled user whose password this is, else None (same cost either way)."""
        row = self._row(username) if USERNAME.match(username) else None
        if row is None or len(password) > MAX_PASSWORD:
            self._hasher.verify("x", self._dummy)
            return None
        ok, new_hash = self._hasher.verify_and_update(password, row.password_hash)
        if not ok or row.disabled:
            return None
        if new_hash is not None:  # parameters changed since it was hashed
            with self.engine.begin() as conn:
                conn.execute(
                    update(UserRow)
                    .where(UserRow.username == username)
                    .values(password_hash=new_hash, updated_at=_now())
                )
        return _user(row)

    def _row(self, username: str) -> Any:
        with self.engine.begin() as conn:
            return conn.execute(select(_USERS).where(_USERS.c.username == username)).first()

    @staticmethod
    def _role(role: Role | str) -> Role:
        try:
            value = Role(role)
        except ValueError:
            value = None
        if value is None or value not in STAFF_ROLES:
            raise InputError("role must be one of agent, supervisor, admin")
        return value

    @staticmethod
    def _check_password(password: str) -> None:
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InputError(f"password must be {MIN_PASSWORD}..{MAX_PASSWORD} characters")
