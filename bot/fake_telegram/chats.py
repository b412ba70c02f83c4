"""Bot API methods about commands and chats: setMyCommands & co, getChat, getChatMember, bans."""

from __future__ import annotations

import json
import re
from typing import Any

from telegram.constants import BotCommandLimit

from .messaging import MessagingMethods
from .wire import bad_request
from .world import FakeChat

COMMAND_NAME = re.compile(
    rf"^[a-z0-9_]{{{BotCommandLimit.MIN_COMMAND:d},{BotCommandLimit.MAX_COMMAND:d}}}$"
)
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)


class ChatMethods(MessagingMethods):
    """Command menus and chat/member lookups; each `api_<Method>` takes decoded params."""

    def __init__(self, **world: Any) -> None:
        super().__init__(**world)
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope JSON, language) → list

    # --- commands ---

    def _commands_key(self, params: dict) -> tuple[str, str]:
        """(canonical scope JSON, language code) under which commands are stored."""
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            self.target_chat(scope)
        return self.commands_key(scope, params.get("language_code") or "")

    @staticmethod
    def commands_key(scope: dict | None = None, language_code: str = "") -> tuple[str, str]:
        """The key of `commands` for a scope dict (None = default) and language code."""
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True, separators=(",", ":")), language_code

    def api_setMyCommands(self, params: dict) -> bool:
        """setMyCommands, validated like Telegram's."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > BotCommandLimit.MAX_COMMAND_NUMBER:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not COMMAND_NAME.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= BotCommandLimit.MAX_DESCRIPTION:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    def api_getMyCommands(self, params: dict) -> list[dict]:
        """getMyCommands for exactly the given scope and language."""
        return self.commands.get(self._commands_key(params), [])

    def api_deleteMyCommands(self, params: dict) -> bool:
        """deleteMyCommands."""
        self.commands.pop(self._commands_key(params), None)
        return True

    # --- chat info ---

    def api_getChat(self, params: dict) -> dict:
        """getChat, answering the ChatFullInfo fields PTB requires."""
        chat_id = self.target_chat(params)
        return {
            **self.chat_json(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(GIFT_TYPES, False),
        }

    def member_json(self, chat: FakeChat, user_id: int) -> dict:
        """The ChatMember object of a user (or the bot) in a chat."""
        if user_id != self.bot_user["id"] and user_id not in self._users:
            raise bad_request("user not found")
        member: dict[str, Any] = {"user": self.user_json(user_id)}
        if chat.type == "private":
            member["status"] = "member" if user_id in (chat.id, self.bot_user["id"]) else "left"
        elif user_id in chat.banned_ids:
            member.update(status="kicked", until_date=0)
        elif user_id == chat.creator_id:
            member.update(status="creator", is_anonymous=False)
        elif user_id in chat.admin_ids:
            member.update(status="administrator", can_be_edited=False, is_anonymous=False)
            member.update(dict.fromkeys(ADMIN_RIGHTS, True))
        else:
            member["status"] = "member" if user_id in chat.member_ids else "left"
        return member

    def api_getChatMember(self, params: dict) -> dict:
        """getChatMember."""
        chat = self._chats[self.target_chat(params)]
        return self.member_json(chat, int(params.get("user_id") or 0))

    def api_getChatAdministrators(self, params: dict) -> list[dict]:
        """getChatAdministrators, the creator first."""
        chat = self._chats[self.target_chat(params)]
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = sorted(chat.admin_ids, key=lambda uid: (uid != chat.creator_id, uid))
        return [self.member_json(chat, uid) for uid in ids]

    def api_getChatMemberCount(self, params: dict) -> int:
        """getChatMemberCount."""
        return len(self._chats[self.target_chat(params)].member_ids)

    # --- restricting members ---

    def _restrictable(self, params: dict) -> tuple[FakeChat, int]:
        """The group and user of a ban/unban, after Telegram's checks of the bot's rights."""
        chat = self._chats[self.target_chat(params)]
        if chat.type == "private":
            raise bad_request("can't ban members in private chats")
        me = self.bot_user["id"]
        if me != chat.creator_id and me not in chat.admin_ids:
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        user_id = int(params.get("user_id") or 0)
        if user_id not in self._users:
            raise bad_request("user not found")
        return chat, user_id

    def api_banChatMember(self, params: dict) -> bool:
        """banChatMember: out of the group, and kept out until unbanned."""
        chat, user_id = self._restrictable(params)
        if user_id == chat.creator_id:
            raise bad_request("can't remove chat owner")
        if user_id in chat.admin_ids:
            raise bad_request("user is an administrator of the chat")
        chat.member_ids.discard(user_id)
        chat.banned_ids.add(user_id)
        return True

    def api_unbanChatMember(self, params: dict) -> bool:
        """unbanChatMember; without only_if_banned it also removes a current member."""
        chat, user_id = self._restrictable(params)
        if user_id in chat.banned_ids:
            chat.banned_ids.discard(user_id)
        elif not params.get("only_if_banned") and user_id in chat.member_ids:
            if user_id == chat.creator_id or user_id in chat.admin_ids:
                raise bad_request("user is an administrator of the chat")
            chat.member_ids.discard(user_id)
        return True
