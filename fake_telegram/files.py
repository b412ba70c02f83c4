"""Files: sendDocument and sendPhoto (multipart upload, file_id or URL), and what a user sends
that is not text (a photo, a sticker).

Uploads are kept in `world.files`, so a test can read back the bytes the bot sent and the bot
can send again a file it received, by its file_id, as on Telegram.
"""

from __future__ import annotations

import itertools
import mimetypes

from .messages import media_caption, send
from .wire import bad_request
from .world import FakeChat, FakeUser, World

_file_serial = itertools.count(1)


def new_file_ids(prefix: str) -> tuple[str, str]:
    """A fresh (file_id, file_unique_id) pair."""
    serial = next(_file_serial)
    return f"{prefix}-{serial:06d}-fake", f"{prefix}U{serial:06d}"


def upload(world: World, params: dict, field: str, prefix: str) -> tuple[str, str, str, int]:
    """Accept an uploaded file, a known file_id or a URL; (file_id, unique_id, name, size)."""
    value = params.get(field)
    if isinstance(value, dict) and "content" in value:
        file_id, unique_id = new_file_ids(prefix)
        world.files[file_id] = value
        return file_id, unique_id, value["filename"], len(value["content"])
    if isinstance(value, str) and value in world.files:
        known = world.files[value]
        return value, f"U{value}", known["filename"], len(known["content"])
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        file_id, unique_id = new_file_ids(prefix)
        name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        world.files[file_id] = {"filename": name, "content": b""}
        return file_id, unique_id, name, 0
    if value:
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {field} in the request")


def send_document(world: World, params: dict) -> dict:
    """sendDocument (multipart upload, file_id or URL)."""
    chat_id = world.writable_chat(params)
    file_id, unique_id, name, size = upload(world, params, "document", "BQACAgIAAx")
    document = {
        "file_id": file_id,
        "file_unique_id": unique_id,
        "file_name": name,
        "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "file_size": size,
    }
    return send(world, chat_id, params, document=document, **media_caption(params))


def send_photo(world: World, params: dict) -> dict:
    """sendPhoto: Telegram answers with several sizes; the largest is the upload."""
    chat_id = world.writable_chat(params)
    file_id, unique_id, _name, size = upload(world, params, "photo", "AgACAgIAAx")
    thumb_id, thumb_unique = new_file_ids("AgACAgIAAx")
    photo = [
        {
            "file_id": thumb_id,
            "file_unique_id": thumb_unique,
            "width": 320,
            "height": 180,
            "file_size": max(1, size // 10),
        },
        {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": 1280,
            "height": 720,
            "file_size": size,
        },
    ]
    return send(world, chat_id, params, photo=photo, **media_caption(params))


METHODS = {
    "sendDocument": send_document,
    "sendPhoto": send_photo,
}

# --- what users do ---


def user_sends_sticker(world: World, user: FakeUser, *, chat: FakeChat | None = None) -> dict:
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
    return world.post_as_user(user, chat, sticker=sticker)


def user_sends_photo(
    world: World, user: FakeUser, *, caption: str | None = None, chat: FakeChat | None = None
) -> dict:
    """The user sends a photo (three sizes, as Telegram delivers them)."""
    sizes = []
    for width, height in ((90, 60), (320, 213), (1280, 853)):
        file_id, unique_id = new_file_ids("AgACAgIAAx")
        # Telegram lets the bot send a file it received by its file_id: remember each size.
        world.files[file_id] = {"filename": "photo.jpg", "content": bytes(width * height // 10)}
        sizes.append(
            {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": width,
                "height": height,
                "file_size": width * height // 10,
            }
        )
    return world.post_as_user(user, chat, photo=sizes, caption=caption)
