"""The handler context (PTB's context type): `context.services` and `context.actor`."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from bot.actor import Actor
from bot.context import Services


class ForumContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """The handler context: `context.services` and `context.actor` (set by the middleware)."""

    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("no actor: the middleware did not run for this update")
        return self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._actor = value

    @property
    def has_actor(self) -> bool:
        return self._actor is not None
