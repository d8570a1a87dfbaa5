"""Times as incidents use them: ISO-8601 with a UTC offset, in a configured timezone."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from incidentflow.errors import IncidentError

_RELATIVE = re.compile(r"^-\s*(\d+)\s*([smhd])$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@cache
def zone(name: str) -> dt.tzinfo:
    """The tzinfo for an IANA name such as `UTC` or `Europe/Berlin`."""
    if name.upper() == "UTC":
        return dt.timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise IncidentError(
            f"unknown timezone {name!r}; use an IANA name like Europe/Berlin"
        ) from None


def parse_iso(value: str) -> dt.datetime:
    """Parse an ISO-8601 time that carries a UTC offset; raise ValueError otherwise."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("it has no UTC offset (add one, e.g. +00:00)")
    return parsed


# Clocks of responders' laptops and servers disagree by this much without anyone lying.
CLOCK_SKEW = dt.timedelta(minutes=1)
# An incident that started longer ago than this is a record written after the fact.
RETROSPECTIVE = dt.timedelta(days=1)


def parse_user_time(
    value: str,
    *,
    now: dt.datetime,
    tz: dt.tzinfo,
    option: str = "time",
    started: dt.datetime | None = None,
) -> dt.datetime:
    """Parse a time typed on the command line (``option`` names it in messages): ISO-8601,
    `HH:MM` (the last such time, today or yesterday), or `-15m` ago.

    An ISO time without an offset is taken in the configured timezone. A time in the future
    (beyond a minute of clock skew) is refused: nothing logged has happened yet. `HH:MM` is
    refused for an incident that ``started`` more than a day before ``now``: which day it
    means cannot be told.
    """
    if started is not None and now - started > RETROSPECTIVE and _CLOCK.match(value.strip()):
        day = started.astimezone(tz).date().isoformat()
        raise IncidentError(
            f"{option} {value!r} is a time of day, but the incident started on {day}, more "
            f"than a day ago; give the date too, e.g. {day}T{value.strip()}"
        )
    try:
        parsed = _parse_user_time(value, now=now, tz=tz)
        parsed.astimezone(dt.timezone.utc)  # times that cannot be shown in UTC are unusable
    except (OverflowError, ValueError):
        raise IncidentError(f"invalid time {value!r}: out of the range of dates") from None
    if parsed - now > CLOCK_SKEW:
        raise IncidentError(
            f"{option} {value!r} is in the future ({isoformat(parsed.astimezone(tz))}; "
            f"it is {isoformat(now.astimezone(tz))} now)"
        )
    return parsed


def _parse_user_time(value: str, *, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    text = value.strip()
    relative = _RELATIVE.match(text)
    if relative:
        delta = dt.timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
        return (now - delta).astimezone(tz).replace(microsecond=0)
    clock = _CLOCK.match(text)
    if clock:
        hour, minute, second = (int(part or 0) for part in clock.groups())
        return _last_clock_time(value, hour, minute, second, now=now, tz=tz)
    try:
        text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise IncidentError(
            f"invalid time {value!r}: use ISO-8601 (2026-11-25T14:05+01:00), HH:MM or -15m"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _last_clock_time(
    value: str, hour: int, minute: int, second: int, *, now: dt.datetime, tz: dt.tzinfo
) -> dt.datetime:
    """The latest moment, not after ``now``, when the clock in ``tz`` showed that time.

    Usually today's, or yesterday's when the time is later than the clock shows now (typed
    just after midnight). On the day clocks go back the hour repeats, and both of its moments
    count; a time in the hour skipped when clocks went forward is refused, since it names no
    moment at all.
    """
    local = now.astimezone(tz)
    today_is_meant = (hour, minute, second) <= (local.hour, local.minute, local.second)
    for day in (local, local - dt.timedelta(days=1)):
        try:
            moments = [
                day.replace(hour=hour, minute=minute, second=second, microsecond=0, fold=fold)
                for fold in (0, 1)
            ]
        except ValueError:
            raise IncidentError(f"invalid time {value!r}: no such time of day") from None
        real = [moment for moment in moments if _exists(moment, tz)]
        past = [moment for moment in real if moment.timestamp() <= now.timestamp()]
        if past:
            return max(past, key=lambda moment: moment.timestamp()).astimezone(tz)
        if not real and (day is not local or today_is_meant):
            raise IncidentError(
                f"invalid time {value!r}: the clocks in {tz} skipped it on "
                f"{day.date().isoformat()}; give the full time with its offset"
            )
    raise IncidentError(f"invalid time {value!r}: no such time in the last day")  # unreachable


def _exists(moment: dt.datetime, tz: dt.tzinfo) -> bool:
    """False for a wall time in the gap when clocks went forward."""
    shown = moment.astimezone(dt.timezone.utc).astimezone(tz)
    return (shown.hour, shown.minute, shown.second) == (moment.hour, moment.minute, moment.second)


def isoformat(value: dt.datetime) -> str:
    """Seconds precision ISO-8601 with offset, e.g. `2026-11-25T14:05:00+01:00`."""
    return value.replace(microsecond=0).isoformat()


def format_duration(delta: dt.timedelta) -> str:
    """A short human duration: `45m`, `3h 20m`, `2d 4h`."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 0:
        return "-" + format_duration(-delta)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"
