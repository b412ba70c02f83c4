"""Meetings on a six-month cycle: scheduled (commands, dialog, preview), shown (render), answered
(rsvp), reminded (reminders), changed (admin, changes, notices) and rated afterwards (survey)."""
