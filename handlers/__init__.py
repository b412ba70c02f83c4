"""Telegram handlers, one module per feature; `registry()` lists them for the app wiring."""

from __future__ import annotations

from telegram.ext import BaseHandler


def registry() -> list[tuple[int, BaseHandler]]:
    """(group, handler) pairs in registration order; fallbacks come last in their group."""
    from handlers import (
        announce,
        chat_member,
        exports,
        feedback,
        forums,
        help,
        invites,
        linking,
        meeting_admin,
        meeting_dialog,
        meeting_survey,
        meetings,
        members,
        middleware,
        paging,
        poll_dialog,
        poll_manage,
        poll_results,
        poll_voters,
        polls,
        privacy,
        removal,
        roles,
        settings,
        start,
        text,
        tip_dialog,
        tip_subscriptions,
        tips,
    )

    return [
        *middleware.handlers(),
        *chat_member.handlers(),
        *start.handlers(),
        *forums.handlers(),
        *invites.handlers(),
        *linking.handlers(),
        *members.handlers(),
        *removal.handlers(),
        *settings.handlers(),
        *roles.handlers(),
        *polls.handlers(),
        *poll_dialog.handlers(),
        *poll_manage.handlers(),
        *poll_results.handlers(),
        *poll_voters.handlers(),
        *exports.handlers(),
        *meeting_dialog.handlers(),
        *meetings.handlers(),
        *meeting_admin.handlers(),
        *meeting_survey.handlers(),
        *tip_dialog.handlers(),
        *tips.handlers(),
        *announce.handlers(),
        *privacy.handlers(),
        *feedback.handlers(),
        *tip_subscriptions.handlers(),
        *paging.handlers(),
        *help.handlers(),
        *text.handlers(),
        *help.fallback_handlers(),
    ]
