"""The HTTP clients `remote` talks through: no redirects, a size cap, and a deadline per request.

The token travels in a header of every request, so a redirect is never followed: a
requests session would carry `PRIVATE-TOKEN` to whatever host a `Location` names (it
strips only `Authorization`), and python-gitlab would then report that host's answer as
GitLab's. Both clients here stop at a redirect with `Redirected`, naming where it pointed.

An answer is read up to `MAX_ANSWER_BYTES`; more is `AnswerTooLarge`, never a few GiB in
memory. `--timeout` bounds each request whole (connecting, headers, body): the libraries'
own timeouts apply to each read, so a server that sends a byte every half second would
otherwise hold the command forever. The deadline is an interval timer whose signal ends
any blocking read, in the main thread (where the CLI runs); elsewhere the per-read
timeouts alone apply.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import requests
import requests.adapters

MAX_ANSWER_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024


class Redirected(Exception):
    """The server answered with a redirect, which is not followed."""

    def __init__(self, status: int, source: str, location: str) -> None:
        self.status, self.location = status, urljoin(source, location)
        target = urlsplit(self.location)
        self.target_host = target.netloc or self.location
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Redirect"
        super().__init__(f"{status} {phrase} to {self.location}")


class AnswerTooLarge(Exception):
    """The answer is longer than MAX_ANSWER_BYTES."""


class DeadlinePassed(BaseException):
    """The request took longer than its deadline.

    A BaseException, so that no library's `except Exception` turns it into something else
    on its way out (gql wraps every Exception of its transport).
    """


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise `DeadlinePassed` in the block once `seconds` have passed, even inside a blocking read."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise DeadlinePassed()

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_timer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer:  # someone else's timer: give it back what is left of it
            left = previous_timer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def _check_redirect(status: int, url: str, location: str | None) -> None:
    if 300 <= status < 400 and location is not None:
        raise Redirected(status, url, location)


# ----- requests (python-gitlab's REST client) -----


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    """Sends without following redirects and reads the body under the size cap."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["stream"] = True
        response = super().send(request, **kwargs)
        _check_redirect(response.status_code, response.url or "", response.headers.get("Location"))
        body = bytearray()
        for chunk in response.iter_content(_CHUNK):
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                response.close()
                raise AnswerTooLarge()
        # requests' own non-streamed read stores the body here; python-gitlab reads `.content`.
        response._content = bytes(body)
        response._content_consumed = True
        return response


def requests_session() -> requests.Session:
    session = requests.Session()
    session.max_redirects = 0
    for prefix in ("http://", "https://"):
        session.mount(prefix, _GuardedAdapter())
    return session


# ----- httpx (the GraphQL client) -----


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        read = 0
        for chunk in self._inner:
            read += len(chunk)
            if read > MAX_ANSWER_BYTES:
                raise AnswerTooLarge()
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _GuardedTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        try:
            _check_redirect(response.status_code, str(request.url), response.headers.get("Location"))
        except Redirected:
            response.close()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _CappedStream(response.stream)
        return response

    def close(self) -> None:
        self._inner.close()


def httpx_client(**options: Any) -> httpx.Client:
    return httpx.Client(transport=_GuardedTransport(), follow_redirects=False, **options)
