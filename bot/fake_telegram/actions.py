"""What users do: each action stores what Telegram would store and enqueues the Updates."""

from __future__ import annotations

import copy
import itertools

from .markup import command_entities
from .world import FakeChat, FakeUser, World

_file_serial = itertools.count(1)


def new_file_ids(prefix: str) -> tuple[str, str]:
    """A fresh (file_id, file_unique_id) pair."""
    serial = next(_file_serial)
    return f"{prefix}-{serial:06d}-fake", f"{prefix}U{serial:06d}"


class UserActions(World):
    """User-side actions; sync, so tests can script them between awaits."""

    def _chat_of(self, user: FakeUser, chat: FakeChat | None) -> int:
        """The chat an action happens in: the given one or the user's private chat."""
        return user.id if chat is None else chat.id

    def _bot_message(self, chat_id: int, message_id: int) -> dict:
        """A stored message the bot sent, or LookupError."""
        message = self.stored(chat_id, message_id)
        if message is None or not self.is_bot_message(message):
            raise LookupError(f"no bot message {message_id} in chat {chat_id}")
        return message

    def _user_message(self, user: FakeUser, chat: FakeChat | None, **fields: object) -> dict:
        """Store a message from a user and enqueue it as a "message" update."""
        message = self.store_message(self._chat_of(user, chat), user.id, **fields)
        self.enqueue("message", message)
        return copy.deepcopy(message)

    def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
    ) -> dict:
        """The user sends a text message (a leading /command gets its bot_command entity)."""
        reply = None
        if reply_to is not None:
            reply = self.reply_copy(self._chat_of(user, chat), reply_to)
            if reply is None:
                raise LookupError(f"no message {reply_to} to reply to")
        return self._user_message(
            user,
            chat,
            text=text,
            entities=command_entities(text) or None,
            reply_to_message=reply,
        )

    def send_sticker(self, user: FakeUser, *, chat: FakeChat | None = None) -> dict:
        """The user sends a 👍 sticker."""
        file_id, unique_id = new_file_ids("CAACAgIAAx")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "file_size": 12345,
        }
        return self._user_message(user, chat, sticker=sticker)

    def send_photo(
        self, user: FakeUser, *, caption: str | None = None, chat: FakeChat | None = None
    ) -> dict:
        """The user sends a photo (three sizes, as Telegram delivers them)."""
        sizes = []
        for width, height in ((90, 60), (320, 213), (1280, 853)):
            file_id, unique_id = new_file_ids("AgACAgIAAx")
            # Telegram lets the bot send a file it received by its file_id: remember each size.
            self.files[file_id] = {"filename": "photo.jpg", "content": bytes(width * height // 10)}
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": width * height // 10,
                }
            )
        return self._user_message(user, chat, photo=sizes, caption=caption)

    def edit_text(
        self, user: FakeUser, message_id: int, text: str, *, chat: FakeChat | None = None
    ) -> dict:
        """The user edits one of their own text messages; enqueues an edited_message update."""
        chat_id = self._chat_of(user, chat)
        message = self.stored(chat_id, message_id)
        if message is None or message.get("from", {}).get("id") != user.id:
            raise LookupError(f"no message {message_id} of user {user.id} in chat {chat_id}")
        message["text"] = text
        message.pop("entities", None)
        if entities := command_entities(text):
            message["entities"] = entities
        message["edit_date"] = self.now()
        self.enqueue("edited_message", message)
        return copy.deepcopy(message)

    def tap(
        self,
        user: FakeUser,
        message_id: int,
        button: int | str,
        *,
        chat: FakeChat | None = None,
    ) -> dict:
        """Press an inline button (1-based index, or the first whose text starts with a label)."""
        chat_id = self._chat_of(user, chat)
        buttons = self.buttons(self._bot_message(chat_id, message_id))
        if isinstance(button, int):
            if not 1 <= button <= len(buttons):
                raise LookupError(f"message {message_id} has no button #{button}: {buttons}")
            chosen = buttons[button - 1]
        else:
            found = [b for b in buttons if b.get("text", "").startswith(button)]
            if not found:
                raise LookupError(f"message {message_id} has no button {button!r}: {buttons}")
            chosen = found[0]
        if "callback_data" not in chosen:
            raise ValueError(f"button {chosen!r} is not a callback button")
        return self.send_callback(user, message_id, chosen["callback_data"], chat=chat)

    def send_callback(
        self, user: FakeUser, message_id: int, data: str, *, chat: FakeChat | None = None
    ) -> dict:
        """A callback_query with arbitrary data on an existing bot message."""
        chat_id = self._chat_of(user, chat)
        message = self._bot_message(chat_id, message_id)
        query_id = str(4_000_000_000_000_000 + len(self.callback_queries) + 1)
        query = {
            "id": query_id,
            "from": user.to_json(),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(chat_id) * 7919),  # stable per chat, like Telegram's
            "data": data,
        }
        self.callback_queries[query_id] = {"answered": False, "answer": None, "user_id": user.id}
        self.enqueue("callback_query", query)
        return query

    def _member(self, status: str) -> dict:
        """A ChatMember object for the bot."""
        member: dict = {"status": status, "user": self.user_json(self.bot_user["id"])}
        if status == "kicked":
            member["until_date"] = 0
        return member

    def _my_chat_member(self, chat_id: int, by: FakeUser, old: str, new: str) -> dict:
        """Enqueue a my_chat_member update about the bot's status change."""
        payload = {
            "chat": self.chat_json(chat_id),
            "from": by.to_json(),
            "date": self.now(),
            "old_chat_member": self._member(old),
            "new_chat_member": self._member(new),
        }
        self.enqueue("my_chat_member", payload)
        return payload

    def block_bot(self, user: FakeUser) -> dict:
        """The user blocks the bot: sends to their chat answer 403 until unblocked."""
        self.blocked.add(user.id)
        return self._my_chat_member(user.id, user, "member", "kicked")

    def unblock_bot(self, user: FakeUser) -> dict:
        """The user unblocks (restarts) the bot."""
        self.blocked.discard(user.id)
        return self._my_chat_member(user.id, user, "kicked", "member")

    def add_bot_to_group(self, chat: FakeChat, by: FakeUser) -> dict:
        """A user adds the bot: my_chat_member left→member plus a new_chat_members message."""
        chat.member_ids.add(self.bot_user["id"])
        payload = self._my_chat_member(chat.id, by, "left", "member")
        self._user_message(by, chat, new_chat_members=[self.user_json(self.bot_user["id"])])
        return payload

    def migrate_group(self, chat: FakeChat) -> FakeChat:
        """Upgrade a group to a new supergroup, announcing it in both chats as Telegram does."""
        new = self.add_group(chat.title or "", supergroup=True)
        new.member_ids, new.admin_ids = set(chat.member_ids), set(chat.admin_ids)
        new.creator_id = chat.creator_id
        self.migrated[chat.id] = new.id
        sender = chat.creator_id
        old_msg = self.store_message(chat.id, sender, migrate_to_chat_id=new.id)
        self.enqueue("message", old_msg)
        new_msg = self.store_message(new.id, sender, migrate_from_chat_id=chat.id)
        self.enqueue("message", new_msg)
        return new
