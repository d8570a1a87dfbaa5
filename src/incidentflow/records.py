"""Value objects for the commit path, without the import cost of `dataclasses`.

`dataclasses` imports `inspect` and generates each class's methods with `exec`: together
more time than the rest of the hook's imports. Classes on that path list their fields in
``__slots__``, write their ``__init__`` by hand, and inherit comparison and ``repr`` here.
"""

from __future__ import annotations


class Record:
    """Equality, hashing and ``repr`` from the fields named in ``__slots__``.

    Slots whose names start with ``_`` hold values computed on demand (caches); they are
    not fields.
    """

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _public(self.__slots__))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def as_dict(self) -> dict[str, object]:
        """The fields as plain data (Records within, and lists of them, converted too)."""
        return {name: _plain(getattr(self, name)) for name in _public(self.__slots__)}

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _public(self.__slots__))
        return f"{type(self).__name__}({fields})"


def _public(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in names if not name.startswith("_"))


def _plain(value: object) -> object:
    if isinstance(value, Record):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
