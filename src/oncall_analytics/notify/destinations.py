"""Where notifications go: a webhook taking Slack-compatible JSON (URL from an
environment variable), standard output, a JSON-lines file. A destination's
send() returns on success and raises DeliveryFailed otherwise, saying whether
trying again may help (timeout, refused connection, 5xx, 408, 429) or not
(any other 4xx: the message or the URL is wrong)."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from oncall_analytics.notify.notifications import Notification

RETRYABLE_HTTP = {408, 425, 429}


class ConfigError(Exception):
    """A destination that cannot be used as configured (exit 2)."""


class DeliveryFailed(Exception):
    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable
        self.attempts = 1  # set by the retry loop to the attempts it made


def slack_payload(notification: Notification) -> dict:
    """Slack incoming-webhook JSON: `text` (the notification's one line, also the
    fallback), and blocks with what, where, since when, how bad and the links."""
    n = notification
    fields = [("What", n.what), ("Where", n.where), ("Since", n.since), ("How bad", n.how_bad)]
    return {
        "text": f"{n.title} | {n.where} | since {n.since}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": n.title[:150]}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in fields]},
            {"type": "section", "text": {"type": "mrkdwn",
                                         "text": f"<{n.links.report}|On-call report> · <{n.links.docs}|dbt docs>"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"oncall_analytics · {n.key}"}]},
        ],
    }


def text_message(notification: Notification) -> str:
    n = notification
    return (f"{n.title}\n  what:    {n.what}\n  where:   {n.where}\n  since:   {n.since}\n  how bad: {n.how_bad}\n"
            f"  report:  {n.links.report}\n  docs:    {n.links.docs}\n")


class Webhook:
    """POSTs Slack-compatible JSON. The URL comes from an environment variable
    and is never printed (it is a secret: whoever has it can post)."""

    def __init__(self, env_var: str, timeout_s: float):
        url = os.environ.get(env_var, "").strip()
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--webhook: set the environment variable {env_var} to the webhook's http(s) URL")
        try:   # a malformed port or host failed in the first delivery, with a traceback
            parts = urllib.parse.urlsplit(url)
            parts.port  # noqa: B018 (reading it validates it)
        except ValueError as error:
            raise ConfigError(f"--webhook: the URL in {env_var} is malformed ({error})") from None
        if not parts.hostname:
            raise ConfigError(f"--webhook: the URL in {env_var} names no host")
        self.url, self.timeout_s = url, timeout_s
        self.name = f"webhook:{env_var}"

    def send(self, notification: Notification) -> None:
        body = json.dumps(slack_payload(notification)).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as error:
            retryable = error.code >= 500 or error.code in RETRYABLE_HTTP
            raise DeliveryFailed(f"HTTP {error.code} {error.reason}", retryable) from None
        except TimeoutError as error:
            raise DeliveryFailed(f"timed out after {self.timeout_s:g} s ({error})", True) from None
        except urllib.error.URLError as error:  # refused, reset, unreachable, name not resolved, connect timeout
            if isinstance(error.reason, TimeoutError):
                raise DeliveryFailed(f"timed out after {self.timeout_s:g} s", True) from None
            raise DeliveryFailed(f"cannot reach the webhook: {error.reason}", True) from None
        except (ConnectionError, OSError) as error:
            raise DeliveryFailed(f"connection failed: {error}", True) from None


class StandardOutput:
    name = "stdout"

    def send(self, notification: Notification) -> None:
        try:
            sys.stdout.write(text_message(notification) + "\n")
            sys.stdout.flush()
        except OSError as error:  # a closed pipe: whoever read it is gone; try again next run
            raise DeliveryFailed(f"cannot write to standard output: {error}", True) from None


class JsonLinesFile:
    """Appends one JSON object per notification, flushed to disk before it counts as sent. A key the file
    already holds is not appended again: a run killed between the append and the state's record (operator
    trial: 4 runs in 5 repeated a line) left it written once, and the next run only records it. A last line
    cut short by such a kill (no line break: its notification was not recorded) is cut off before the next
    append, and its notification is written whole: every line stays one JSON object. A failed append is cut
    off (_undo_append)."""

    def __init__(self, path: Path):
        self.path = path.resolve()
        self.name = f"jsonl:{self.path}"
        self._written: set[str] | None = None

    def written_keys(self) -> set[str]:
        """The keys of the objects the file holds (read once, on the first send, after cutting off a last line
        cut short)."""
        if self._written is None:
            self._written = set()
            if self.path.is_file():
                content = self.path.read_bytes()
                if content and not content.endswith(b"\n"):
                    content = content[:content.rfind(b"\n") + 1]
                    with self.path.open("r+b") as out:
                        out.truncate(len(content))
                for line in content.decode("utf-8", errors="replace").splitlines():
                    try:
                        self._written.add(json.loads(line)["key"])
                    except (ValueError, KeyError, TypeError):
                        continue
        return self._written

    def send(self, notification: Notification) -> None:
        size = None
        try:
            if notification.key in self.written_keys():
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as out:
                size = out.tell()
                out.write((json.dumps(notification.as_record()) + "\n").encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
            self._written.add(notification.key)
        except OSError as error:
            self._undo_append(size)
            raise DeliveryFailed(f"cannot write {self.path}: {error}", True) from None

    def _undo_append(self, size: int | None) -> None:
        """Cuts off what a failed append wrote (half a line on a full disk, or a whole line whose fsync
        failed), so the retry writes it once, whole; the file is read again before the next send, which also
        cuts off a last line left short if this cannot."""
        self._written = None
        if size is None:
            return
        try:
            with self.path.open("r+b") as out:
                out.truncate(size)
        except OSError:
            pass
