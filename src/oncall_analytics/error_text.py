"""An error as the one line a command prints (the tools report errors in one line, not a traceback)."""
from __future__ import annotations


def first_line(error: BaseException) -> str:
    """The first line of the error's message, or its type's name when the message is empty (EOFError()):
    never an IndexError of its own."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
