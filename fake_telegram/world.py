"""The fake Telegram's world: users, chats, stored messages, the update queue and recorded calls.

Plain state with the lookups every area needs; no Bot API method lives here. The method tables
(messages, callbacks, chats, files, updates) are functions that take this world and the decoded
parameters, so an area sees only what the world offers, never another area's internals.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .update_queue import UpdateQueue
from .wire import ApiError, bad_request


@dataclass
class FakeUser:
    """A Telegram user; their private chat with the bot has chat id == user id."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"

    def to_json(self) -> dict:
        """The Bot API User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(eq=False)
class FakeChat:
    """A private chat, group or supergroup."""

    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    member_ids: set[int] = field(default_factory=set)
    admin_ids: set[int] = field(default_factory=set)
    creator_id: int | None = None  # sets are unordered, so "the first admin" is kept here
    banned_ids: set[int] = field(default_factory=set)  # banChatMember'd: status "kicked"


def chat_of(user: FakeUser, chat: FakeChat | None) -> int:
    """The chat a user's action happens in: the given one or the user's private chat."""
    return user.id if chat is None else chat.id


@dataclass
class Call:
    """One Bot API call as received, with its outcome."""

    method: str
    params: dict
    ok: bool
    result: Any
    error_code: int | None
    description: str | None
    at: float
    injected: bool = False  # failed because a test asked for it (fake.fail)


class World:
    """Everything the fake remembers, with the lookups and Telegram's errors for unknown chats."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "scp_forum_bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.clock = clock
        self.bot_user: dict = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "SCP Forum Bot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.files: dict[str, dict] = {}  # file_id → {"filename", "content"} of uploads
        self.blocked: set[int] = set()  # user ids that blocked the bot
        self.migrated: dict[int, int] = {}  # old group id → new supergroup id
        self.reply_keyboards: dict[int, dict | None] = {}  # custom keyboard shown per chat
        self.callback_queries: dict[str, dict] = {}  # id → {"answered", "answer", "user_id"}
        self.callback_answers: list[dict] = []  # every toast shown: query_id, user_id, text, …
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope JSON, language) → list
        self.webhook: dict[str, Any] = {"url": ""}
        self.allowed_updates: frozenset[str] = frozenset()  # empty: Telegram's default kinds
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, FakeChat] = {}
        self._store: dict[int, dict[int, dict]] = {}  # chat id → message id → Message JSON
        self._next_message_id: dict[int, int] = {}
        self._next_user_id = 1001
        self._next_group = 1001
        self._next_supergroup = 1001000000001
        self.updates = UpdateQueue()

    # --- world building ---

    def add_user(
        self,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
    ) -> FakeUser:
        """Create a user (and their private chat with the bot)."""
        if user_id is None:
            while self._next_user_id in self._users:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        user = FakeUser(user_id, first_name, username, language_code)
        self._users[user_id] = user
        self._chats[user_id] = FakeChat(user_id, "private", None, {user_id})
        return user

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        supergroup: bool = False,
    ) -> FakeChat:
        """Create a group (id -1001, -1002, …) or supergroup (id -1001000000001, …)."""
        if supergroup:
            chat_id, self._next_supergroup = -self._next_supergroup, self._next_supergroup + 1
        else:
            chat_id, self._next_group = -self._next_group, self._next_group + 1
        admin_list = list(admins)
        chat = FakeChat(
            chat_id,
            "supergroup" if supergroup else "group",
            title,
            {u.id for u in members} | {u.id for u in admin_list},
            {u.id for u in admin_list},
            admin_list[0].id if admin_list else None,
        )
        self._chats[chat_id] = chat
        return chat

    def user(self, user_id: int) -> FakeUser:
        """A user by id (KeyError if unknown)."""
        return self._users[user_id]

    def chat(self, chat_id: int) -> FakeChat:
        """A chat by id (KeyError if unknown)."""
        return self._chats[chat_id]

    def chat_json(self, chat_id: int) -> dict:
        """The Bot API Chat object."""
        chat = self._chats[chat_id]
        if chat.type == "private":
            user = self._users[chat_id]
            data: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": user.first_name}
            if user.username:
                data["username"] = user.username
            return data
        return {"id": chat_id, "type": chat.type, "title": chat.title}

    def user_json(self, user_id: int) -> dict:
        """The Bot API User object of a user or of the bot itself."""
        if user_id == self.bot_user["id"]:
            return {
                k: v
                for k, v in self.bot_user.items()
                if k in ("id", "is_bot", "first_name", "username")
            }
        return self._users[user_id].to_json()

    def knows_user(self, user_id: int) -> bool:
        """Whether a user id belongs to a user of this world (the bot is not one)."""
        return user_id in self._users

    def target_chat(self, params: dict, key: str = "chat_id") -> int:
        """The chat a call is aimed at: 400 if missing, unknown or migrated to a supergroup."""
        chat_id = params.get(key)
        if chat_id is None or chat_id == "":
            raise bad_request(f"{key} is empty")
        if chat_id in self.migrated:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise bad_request("chat not found")
        return chat_id

    def writable_chat(self, params: dict) -> int:
        """A chat the bot may post to: also 403 while the user has blocked the bot."""
        chat_id = self.target_chat(params)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    # --- messages ---

    def now(self) -> int:
        """Unix time from the fake's clock, as Telegram's integer dates."""
        return int(self.clock())

    def store_message(self, chat_id: int, sender_id: int | None, **fields: Any) -> dict:
        """Create a message in a chat with the chat's next message id and keep it."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message: dict[str, Any] = {"message_id": message_id}
        if sender_id is not None:
            message["from"] = self.user_json(sender_id)
        message["chat"] = self.chat_json(chat_id)
        message["date"] = self.now()
        message.update({k: v for k, v in fields.items() if v is not None})
        self._store.setdefault(chat_id, {})[message_id] = message
        return message

    def stored(self, chat_id: int, message_id: Any) -> dict | None:
        """The live stored message (not a copy), or None; `message_id` as a call sent it, so
        a missing or malformed one simply finds nothing."""
        return self._store.get(chat_id, {}).get(message_id)

    def chat_messages(self, chat_id: int) -> list[dict]:
        """The live stored messages of a chat (not copies), oldest first."""
        stored = self._store.get(chat_id, {})
        return [stored[message_id] for message_id in sorted(stored)]

    def delete_message(self, chat_id: int, message_id: Any) -> bool:
        """Forget a stored message; False if there was none (`message_id` as in `stored`)."""
        return self._store.get(chat_id, {}).pop(message_id, None) is not None

    def reply_copy(self, chat_id: int, message_id: int) -> dict | None:
        """A stored message as embedded in reply_to_message (Telegram nests only one level)."""
        message = self.stored(chat_id, message_id)
        if message is None:
            return None
        embedded = copy.deepcopy(message)
        embedded.pop("reply_to_message", None)
        return embedded

    def post_as_user(self, user: FakeUser, chat: FakeChat | None, **fields: Any) -> dict:
        """A user's message (in their private chat if `chat` is None), stored and enqueued."""
        message = self.store_message(chat_of(user, chat), user.id, **fields)
        self.enqueue("message", message)
        return copy.deepcopy(message)

    def is_bot_message(self, message: dict) -> bool:
        """Whether the bot sent this message."""
        return bool(message.get("from", {}).get("id") == self.bot_user["id"])

    # --- updates (the queue lives in updates.UpdateQueue) ---

    def enqueue(self, kind: str, payload: dict) -> dict:
        """Append an Update and wake long-polling getUpdates calls."""
        return self.updates.put(kind, payload)

    def pending_updates(self) -> int:
        """Updates enqueued and not yet confirmed by a getUpdates offset."""
        return len(self.updates.queue)

    async def drained(self) -> None:
        """Return once every enqueued update has been confirmed by a getUpdates offset."""
        await self.updates.drained()

    @property
    def confirmed_update_id(self) -> int:
        """Highest update_id confirmed (offset - 1 of the last confirming getUpdates)."""
        return self.updates.confirmed

    @property
    def _updates(self) -> list[dict]:
        """The live queue, for a test that delivers an update itself as a webhook would."""
        return self.updates.queue
