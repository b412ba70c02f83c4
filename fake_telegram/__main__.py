"""`python -m fake_telegram [--flood] [--port N]`: the fake Bot API in a process of its own,
with the control API of `fake_telegram.control`."""

import asyncio
import sys

from .control import main

sys.exit(asyncio.run(main()))
