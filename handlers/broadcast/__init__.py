"""Coordinators' announcements: /announce (commands), its draft and preview (draft), the Send (send)
and the progress message while the outbox delivers it (progress)."""
