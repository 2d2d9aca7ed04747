"""The emulator in-process: python-telegram-bot's request interface routed straight to the core, no sockets.

`InProcessRequest` is a `telegram.request.BaseRequest` (as PTB's own test suite swaps in `OfflineRequest`):
each Bot API call, JSON or multipart upload, the file downloads through the file URL and the long polls
of `getUpdates` reach `LoopbackBotApi` as calls in the same event loop. Everything above the request —
`telegram.Bot`, the `Application`, its `Updater`, the rate limiter, the error mapping of
`BaseRequest.post` — runs as it does against Telegram. The demo runs this way, and so do the chat tests
that need no socket; needs nothing beyond python-telegram-bot.

Usage::

    api = LoopbackBotApi()
    front = InProcessFront(api)
    bot = telegram.Bot(api.token, base_url=front.bot_base_url, base_file_url=front.file_base_url,
                       request=front.request(), get_updates_request=front.request())
"""

from __future__ import annotations

from typing import Final
from urllib.parse import unquote, urlsplit

from telegram.request import BaseRequest, RequestData

from loopback.core import Answer, LoopbackBotApi, RequestParams
from loopback.records import Upload
from loopback.rules import ApiError

# A name that never resolves (RFC 2606): a request that missed the in-process front would fail, not leave.
BASE_URL: Final = "http://loopback.invalid"


class InProcessRequest(BaseRequest):
    """One of a bot's connections to the emulator; requests for any other address are answered 404."""

    def __init__(self, api: LoopbackBotApi, base_url: str = BASE_URL) -> None:
        self._api = api
        self._base = urlsplit(base_url)

    @property
    def read_timeout(self) -> float | None:
        return None  # nothing to wait for but the emulator itself

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Timeouts are ignored: there is no network to wait for, and a long poll ends by itself."""
        answer = await self._answer(url, request_data)
        return answer.status, answer.body

    async def _answer(self, url: str, request_data: RequestData | None) -> Answer:
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (self._base.scheme, self._base.netloc):
            return self._api.refusal(ApiError(404, "Not Found"))
        path = unquote(target.path)
        prefix = self._base.path.rstrip("/")
        files_prefix, api_prefix = f"{prefix}/file/bot", f"{prefix}/bot"
        if path.startswith(files_prefix):
            token, _, file_path = path[len(files_prefix) :].partition("/")
            return self._api.download(token, file_path)
        if path.startswith(api_prefix):
            token, _, api_method = path[len(api_prefix) :].partition("/")

            async def read_params() -> RequestParams:
                return _params(request_data)

            return await self._api.call(token, api_method, read_params)
        return self._api.refusal(ApiError(404, "Not Found"))


class InProcessFront:
    """Connects python-telegram-bot to `api` in-process: the URLs a bot is configured with, and a new
    request object for each connection (PTB wants one for getUpdates and one for everything else)."""

    def __init__(self, api: LoopbackBotApi, base_url: str = BASE_URL) -> None:
        self.api = api
        self.base_url = base_url

    @property
    def bot_base_url(self) -> str:
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.base_url}/file/bot"

    def request(self) -> InProcessRequest:
        return InProcessRequest(self.api, self.base_url)


def _params(request_data: RequestData | None) -> RequestParams:
    """The parameters as a form would carry them (values JSON-encoded where not strings), and the files."""
    if request_data is None:
        return RequestParams({})
    files: dict[str, Upload] = {}
    if request_data.contains_files:
        for name, (filename, content, mime_type) in request_data.multipart_data.items():
            data = content if isinstance(content, bytes) else content.read()
            files[name] = Upload(filename, mime_type, data)
    return RequestParams(request_data.json_parameters, files)
