"""Charts drawn in a short-lived worker process, so that matplotlib never lives in the bot.

matplotlib, its font cache and the Noto fonts cost the bot ~65 MB the first time a chart is
drawn in-process, and a module once imported never gives its memory back: the bot would carry
it until it restarts. Drawn here instead, in a child process (`python -m bot.chart_worker`),
the bot's own memory stays flat; the child stays up for the charts asked for in a row (a
coordinator reading several polls) and exits by itself after `IDLE_SECONDS` without one, or as
soon as the bot is gone (its stdin closes). Nothing has to stop it at shutdown, and
`stop_worker()` may still do so at once. Measured with bench/footprint.py, against drawing in
the bot (medians of 3 runs): the bot holds 101 MB after two /results instead of 152 MB, and a
chart's latency is about the same: the first /results takes 0.92 s to its chart instead of
0.86 s (the child's start; the in-process bot paid the matplotlib part too), the next ones
0.24 s instead of 0.27 s (only the pickling of a few kilobytes is added). The drawing also no
longer blocks the update loop: the bot waits for the PNG in a thread.

The protocol, over the child's stdin and stdout: a request is `chart_png`'s arguments pickled,
the answer the PNG (or the child's traceback), each framed by its length (4 bytes, big-endian).
Both ends are this module, started from the same interpreter and sources: pickle is safe here.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.poll_chart import chart_png  # cheap: matplotlib loads inside it, in the child only
from bot.poll_report import PollCount
from bot.ranking import tally

IDLE_SECONDS = 60.0  # a worker with no chart to draw for this long exits
_ROOT = Path(__file__).resolve().parent.parent  # where `bot` is importable from
_HEADER = struct.Struct(">I")


async def draw_chart(
    options: Sequence[str],
    result: PollCount,
    group_labels: dict[str, str],
    axis_label: str,
    heading: str,
    question: str,
    language: str,
) -> bytes:
    """`bot.poll_chart.chart_png` of the same arguments, drawn in the worker process."""
    request = pickle.dumps(
        (list(options), result, group_labels, axis_label, heading, question, language)
    )
    return await asyncio.to_thread(_WORKER.draw, request)


def start_worker() -> None:
    """Start the worker now if none runs, without waiting for it: called as /results begins,
    its start (python, matplotlib, the fonts) overlaps the count and the text reply."""
    _WORKER.start()


def stop_worker() -> None:
    """End the worker now if one runs (it also ends by itself: idle, or the bot gone)."""
    _WORKER.stop()


class _Worker:
    """The one child process of this bot, started at the first chart after it exited."""

    def __init__(self, idle: float) -> None:
        self.idle = idle
        self._lock = threading.Lock()  # one chart at a time: the child draws one at a time
        self._process: subprocess.Popen[bytes] | None = None

    def draw(self, request: bytes) -> bytes:
        """The PNG for a pickled request (blocking: run it in a thread)."""
        with self._lock:
            for attempt in (1, 2):
                process = self._running()
                try:
                    assert process.stdin is not None and process.stdout is not None
                    _send(process.stdin.fileno(), request)
                    status, payload = pickle.loads(_receive(process.stdout.fileno()))
                    break
                except (BrokenPipeError, EOFError):
                    # It went idle and exited just as this request came: once more, in a new one.
                    self._forget()
                    if attempt == 2:
                        raise
            if status != "png":
                raise RuntimeError(f"the chart worker failed:\n{payload}")
            png: bytes = payload
            return png

    def start(self) -> None:
        if self._lock.acquire(blocking=False):  # held: a chart is being drawn, so one runs
            try:
                self._running()
            finally:
                self._lock.release()

    def stop(self) -> None:
        with self._lock:
            process, self._process = self._process, None
            if process is not None and process.poll() is None:
                _close(process)  # EOF: it exits
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._forget()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.chart_worker", repr(self.idle)],
            cwd=_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        # Reaped the moment it exits (idle or not), so no zombie waits for the next chart.
        threading.Thread(target=process.wait, name="chart-worker-reaper", daemon=True).start()
        self._process = process
        return process

    def _forget(self) -> None:
        if self._process is not None:
            _close(self._process)
        self._process = None


def _close(process: subprocess.Popen[bytes]) -> None:
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()


def _send(fd: int, payload: bytes) -> None:
    data = _HEADER.pack(len(payload)) + payload
    while data:
        data = data[os.write(fd, data) :]


def _receive(fd: int) -> bytes:
    (size,) = _HEADER.unpack(_read(fd, _HEADER.size))
    return _read(fd, size)


def _read(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


_WORKER = _Worker(IDLE_SECONDS)


def _serve(idle: float) -> None:
    """The child: draw each request until none comes for `idle` seconds or stdin closes."""
    # Anything printed must not mix with the answers: fd 1 goes to stderr, answers to a copy.
    answers = os.dup(1)
    os.dup2(2, 1)
    _prepare()
    while select.select([0], [], [], idle)[0]:
        try:
            request = _receive(0)
        except EOFError:  # the bot is gone, or stopped us
            return
        _send(answers, answer(request))


def answer(request: bytes) -> bytes:
    """The pickled answer to a pickled request: ("png", bytes), or ("error", a traceback)."""
    try:
        reply: tuple[str, Any] = ("png", chart_png(*pickle.loads(request)))
    except Exception:
        reply = ("error", traceback.format_exc())
    return pickle.dumps(reply)


def _prepare() -> None:
    """A small chart drawn before the first request, which comes while this runs: it loads
    matplotlib, the fonts, and the caches of a first drawing (~0.1 s more than the next ones)."""
    chart_png(["1"], PollCount(tally(1, [[0]]), {}), {}, "Borda", "1", "1")


if __name__ == "__main__":
    _serve(float(sys.argv[1]))
