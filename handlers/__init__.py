"""Telegram handlers, one module per feature; each module's `handlers()` lists its own, and the
wiring (app/wiring.py `handler_registry`) adds them all in one order."""
