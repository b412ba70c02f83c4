"""Rules for forums: the one-message /newforum form, invite codes, stakeholder groups, zones."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.i18n import N_, Nn_

MAX_FORUM_NAME = 128
# Deep-link payloads allow A-Z a-z 0-9 _ - up to 64 characters; 10 random characters is ~60 bits.
INVITE_CODE_LENGTH = 10
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A coordinator invite makes one person a coordinator, within a week; a group-link code (the
# "add to group" link, which Telegram then types into the group for all to see) links one group,
# within a day. Both are single use: see db/invites.py.
COORDINATOR_INVITE_VALID = timedelta(days=7)
GROUP_CODE_VALID = timedelta(days=1)

# The seed report's three stakeholder groups (government, industry, civil society), widened by the
# working groups a national forum usually has. Keys are stored; labels are translated at render time.
STAKEHOLDER_GROUPS: dict[str, str] = {
    "government": N_("Government"),
    "industry": N_("Industry and business"),
    "civil_society": N_("Civil society and NGOs"),
    "academia": N_("Academia and research"),
    "international": N_("International organisation"),
    "other": N_("Other"),
}


class FormError(ValueError):
    """A problem with what the user typed; `message` is an English source string to translate."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class ForumDraft:
    name: str
    timezone: str
    language: str
    country: str | None = None


@dataclass(frozen=True)
class ForumDialog:
    """The /newforum dialog so far; `step` is the answer it waits for (name, timezone, then
    language, chosen with a button)."""

    step: str
    name: str = ""
    timezone: str = ""


def new_invite_code() -> str:
    """A random, unguessable deep-link code."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


class LinkRefusal(StrEnum):
    """Why a group is not linked to a forum (`link_refusal`)."""

    ALREADY = "already"  # it is that forum's group already: nothing to do
    NOT_COORDINATOR = "not_coordinator"  # of the forum to link to
    NOT_ADMIN = "not_admin"  # of the Telegram group, without a group-link code
    OTHER_FORUM = "other_forum"  # the group is another forum's: its coordinator and an admin


def needs_group_admin(current: int | None, *, by_code: bool) -> bool:
    """Whether linking needs the person to be an admin of the Telegram group: always to move a
    group from one forum to another, and for a new group unless they used a group-link code."""
    return current is not None or not by_code


def link_refusal(
    *,
    target: int,
    current: int | None,
    coordinates: set[int] | frozenset[int],
    group_admin: bool,
    by_code: bool,
) -> LinkRefusal | None:
    """Whether someone may make a group (now the group of `current`, or of none) the group of
    forum `target`; None if they may. `coordinates`: the forums they are a coordinator of."""
    if target == current:
        return LinkRefusal.ALREADY
    if target not in coordinates:
        return LinkRefusal.NOT_COORDINATOR
    if current is not None and not (current in coordinates and group_admin):
        return LinkRefusal.OTHER_FORUM
    if needs_group_admin(current, by_code=by_code) and not group_admin:
        return LinkRefusal.NOT_ADMIN
    return None


def looks_like_code(text: str) -> bool:
    """Whether text could be a deep-link payload at all (cheap check before a database look-up)."""
    return bool(_CODE_PATTERN.match(text))


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(text: str) -> str:
    """An IANA zone name typed by a user, matched case-insensitively; FormError if unknown."""
    cleaned = text.strip().replace(" ", "_")
    name = _zone_names().get(cleaned.lower())
    if name is None or cleaned.lower() in ("localtime", "factory"):
        raise FormError(
            N_("I don't know the time zone “%(zone)s”. Type an IANA name such as Asia/Bangkok."),
            zone=text.strip(),
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # listed but not loadable: treat as unknown
        raise FormError(N_("I don't know the time zone “%(zone)s”."), zone=text.strip()) from exc
    return name


def parse_forum_form(text: str, *, languages: list[str], default_language: str) -> ForumDraft:
    """Parse `/newforum Name` + optional `timezone:`, `language:`, `country:` lines."""
    lines = [line.strip() for line in text.strip().splitlines()]
    name = lines[0] if lines else ""
    fields: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in ("timezone", "language", "country"):
            raise FormError(
                N_("I don't understand the line “%(line)s”. Use timezone:, language: or country:."),
                line=line,
            )
        fields[key] = value.strip()
    name = validate_forum_name(name)
    timezone = parse_timezone(fields.get("timezone") or "UTC")
    language = fields.get("language") or default_language
    if language not in languages:
        raise FormError(
            N_("I don't have the language “%(code)s”. Available: %(codes)s."),
            code=language,
            codes=", ".join(languages),
        )
    return ForumDraft(
        name=name, timezone=timezone, language=language, country=fields.get("country")
    )


def validate_forum_name(name: str) -> str:
    """A forum name: 1-128 characters on one line."""
    name = " ".join(name.split())
    if not name:
        raise FormError(N_("The forum needs a name."))
    if len(name) > MAX_FORUM_NAME:
        raise FormError(
            Nn_(
                "A forum name can be at most %(max)s character long.",
                "A forum name can be at most %(max)s characters long.",
                "max",
            ),
            max=MAX_FORUM_NAME,
        )
    return name
