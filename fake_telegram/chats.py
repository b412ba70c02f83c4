"""Chats and members: command menus per scope, getChat, getChatMember & co, bans, chat actions,
and what users do to the bot's chats (block it, add it to a group, upgrade the group).
"""

from __future__ import annotations

import json
import re
from typing import Any

from telegram.constants import BotCommandLimit

from .wire import bad_request
from .world import FakeChat, FakeUser, World

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
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# --- commands ---


def commands_key(scope: dict | None = None, language_code: str = "") -> tuple[str, str]:
    """The key of `world.commands` for a scope dict (None = default) and language code."""
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True, separators=(",", ":")), language_code


def _commands_key(world: World, params: dict) -> tuple[str, str]:
    """(canonical scope JSON, language code) under which commands are stored."""
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"] in ("chat", "chat_administrators", "chat_member"):
        world.target_chat(scope)
    return commands_key(scope, params.get("language_code") or "")


def set_my_commands(world: World, params: dict) -> bool:
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
    key = _commands_key(world, params)
    if commands:
        world.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
    else:
        world.commands.pop(key, None)
    return True


def get_my_commands(world: World, params: dict) -> list[dict]:
    """getMyCommands for exactly the given scope and language."""
    return world.commands.get(_commands_key(world, params), [])


def delete_my_commands(world: World, params: dict) -> bool:
    """deleteMyCommands."""
    world.commands.pop(_commands_key(world, params), None)
    return True


# --- chat info ---


def get_chat(world: World, params: dict) -> dict:
    """getChat, answering the ChatFullInfo fields PTB requires."""
    chat_id = world.target_chat(params)
    return {
        **world.chat_json(chat_id),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(GIFT_TYPES, False),
    }


def member_json(world: World, chat: FakeChat, user_id: int) -> dict:
    """The ChatMember object of a user (or the bot) in a chat."""
    bot_id = world.bot_user["id"]
    if user_id != bot_id and not world.knows_user(user_id):
        raise bad_request("user not found")
    member: dict[str, Any] = {"user": world.user_json(user_id)}
    if chat.type == "private":
        member["status"] = "member" if user_id in (chat.id, bot_id) else "left"
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


def get_chat_member(world: World, params: dict) -> dict:
    """getChatMember."""
    chat = world.chat(world.target_chat(params))
    return member_json(world, chat, int(params.get("user_id") or 0))


def get_chat_administrators(world: World, params: dict) -> list[dict]:
    """getChatAdministrators, the creator first."""
    chat = world.chat(world.target_chat(params))
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    ids = sorted(chat.admin_ids, key=lambda uid: (uid != chat.creator_id, uid))
    return [member_json(world, chat, uid) for uid in ids]


def get_chat_member_count(world: World, params: dict) -> int:
    """getChatMemberCount."""
    return len(world.chat(world.target_chat(params)).member_ids)


def send_chat_action(world: World, params: dict) -> bool:
    """sendChatAction."""
    world.writable_chat(params)
    if params.get("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# --- restricting members ---


def _restrictable(world: World, params: dict) -> tuple[FakeChat, int]:
    """The group and user of a ban/unban, after Telegram's checks of the bot's rights."""
    chat = world.chat(world.target_chat(params))
    if chat.type == "private":
        raise bad_request("can't ban members in private chats")
    me = world.bot_user["id"]
    if me != chat.creator_id and me not in chat.admin_ids:
        raise bad_request("not enough rights to restrict/unrestrict chat member")
    user_id = int(params.get("user_id") or 0)
    if not world.knows_user(user_id):
        raise bad_request("user not found")
    return chat, user_id


def ban_chat_member(world: World, params: dict) -> bool:
    """banChatMember: out of the group, and kept out until unbanned."""
    chat, user_id = _restrictable(world, params)
    if user_id == chat.creator_id:
        raise bad_request("can't remove chat owner")
    if user_id in chat.admin_ids:
        raise bad_request("user is an administrator of the chat")
    chat.member_ids.discard(user_id)
    chat.banned_ids.add(user_id)
    return True


def unban_chat_member(world: World, params: dict) -> bool:
    """unbanChatMember; without only_if_banned it also removes a current member."""
    chat, user_id = _restrictable(world, params)
    if user_id in chat.banned_ids:
        chat.banned_ids.discard(user_id)
    elif not params.get("only_if_banned") and user_id in chat.member_ids:
        if user_id == chat.creator_id or user_id in chat.admin_ids:
            raise bad_request("user is an administrator of the chat")
        chat.member_ids.discard(user_id)
    return True


METHODS = {
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "sendChatAction": send_chat_action,
    "banChatMember": ban_chat_member,
    "unbanChatMember": unban_chat_member,
}

# --- what users do ---


def _bot_member(world: World, status: str) -> dict:
    """A ChatMember object for the bot."""
    member: dict = {"status": status, "user": world.user_json(world.bot_user["id"])}
    if status == "kicked":
        member["until_date"] = 0
    return member


def _my_chat_member(world: World, chat_id: int, by: FakeUser, old: str, new: str) -> dict:
    """Enqueue a my_chat_member update about the bot's status change."""
    payload = {
        "chat": world.chat_json(chat_id),
        "from": by.to_json(),
        "date": world.now(),
        "old_chat_member": _bot_member(world, old),
        "new_chat_member": _bot_member(world, new),
    }
    world.enqueue("my_chat_member", payload)
    return payload


def block_bot(world: World, user: FakeUser) -> dict:
    """The user blocks the bot: sends to their chat answer 403 until unblocked."""
    world.blocked.add(user.id)
    return _my_chat_member(world, user.id, user, "member", "kicked")


def unblock_bot(world: World, user: FakeUser) -> dict:
    """The user unblocks (restarts) the bot."""
    world.blocked.discard(user.id)
    return _my_chat_member(world, user.id, user, "kicked", "member")


def add_bot_to_group(world: World, chat: FakeChat, by: FakeUser) -> dict:
    """A user adds the bot: my_chat_member left→member plus a new_chat_members message."""
    chat.member_ids.add(world.bot_user["id"])
    payload = _my_chat_member(world, chat.id, by, "left", "member")
    world.post_as_user(by, chat, new_chat_members=[world.user_json(world.bot_user["id"])])
    return payload


def migrate_group(world: World, chat: FakeChat) -> FakeChat:
    """Upgrade a group to a new supergroup, announcing it in both chats as Telegram does."""
    new = world.add_group(chat.title or "", supergroup=True)
    new.member_ids, new.admin_ids = set(chat.member_ids), set(chat.admin_ids)
    new.creator_id = chat.creator_id
    world.migrated[chat.id] = new.id
    sender = chat.creator_id
    old_msg = world.store_message(chat.id, sender, migrate_to_chat_id=new.id)
    world.enqueue("message", old_msg)
    new_msg = world.store_message(new.id, sender, migrate_from_chat_id=chat.id)
    world.enqueue("message", new_msg)
    return new
