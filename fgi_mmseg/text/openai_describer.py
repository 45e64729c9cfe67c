"""``openai``: describe images with any OpenAI-compatible chat endpoint.

Hosted models and local servers (vLLM, llama.cpp, Ollama, ...) speak the
same ``POST {base_url}/chat/completions`` protocol. The image goes inline as
a base64 JPEG data URL, the system message is the structured
:data:`~fgi_mmseg.text.schema.PROMPT`, and the reply must be one JSON object
that passes :func:`~fgi_mmseg.text.schema.validate_report`.

Failures are retried with exponential backoff (honouring ``Retry-After``,
capped): HTTP 408/409/429/5xx, timeouts, connection errors, replies that are
not JSON and replies that break the schema (the next attempt shows the model
its invalid reply and the validation message, which is what gets a model to
correct itself). Other HTTP errors (400, 401, 403, 404: a wrong model name,
key or URL) are not retried. When no attempt succeeds, :class:`DescribeError`
carries the reason, which the pipeline records; nothing is ever replaced by
a default.

The API key is read from an environment variable once, at construction. It
is sent only in the ``Authorization`` header, kept in an object whose
``repr`` hides it, and scrubbed from every reason and log message, so it
cannot reach logs or written files even if a server echoes it back.
"""
import base64
import email.utils
import json
import logging
import os
import random
import re
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import cv2
import httpx
import numpy as np

from .base import (BaseDescriber, DescribeError, DescribeSample,
                   register_describer)
from .schema import PROMPT, ReportValidationError, validate_report

logger = logging.getLogger(__name__)

USER_TEXT = ('Describe the abnormal region in this image. Reply with the '
             'JSON object only.')
RETRY_STATUS = frozenset({408, 409, 429})  # plus every 5xx
_EXCERPT = 120  # characters of a server body or reply shown in reasons
_FENCE_RE = re.compile(r'^```[a-zA-Z]*\s*(.*?)\s*```$', re.DOTALL)


class APIKeyError(RuntimeError):
    """The environment variable meant to hold the API key is unset."""


class ReplyParseError(ValueError):
    """The reply content is not one JSON object."""


class _Secret:
    """Holds a secret; its ``repr``/``str`` never show it, and it does not
    pickle, so it cannot leak through logs, tracebacks or dumps."""

    __slots__ = ('_value', )

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the Authorization header only."""
        return self._value

    def __repr__(self) -> str:
        return '<hidden>'

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError('secrets cannot be pickled')


class _Retryable(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(self, reason: str,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _excerpt(text: str) -> str:
    """A one-line, shortened ``repr`` of text for reasons."""
    text = ' '.join(str(text).split())
    if len(text) > _EXCERPT:
        text = text[:_EXCERPT - 3] + '...'
    return repr(text)


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` header (seconds or a date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if np.isfinite(seconds) else None


def parse_reply(content: Any) -> Dict[str, Any]:
    """Parse a chat reply's content into a validated report.

    Accepts the object bare, inside a Markdown code fence, or surrounded by
    prose (the outermost ``{...}`` is tried when the whole text is not
    JSON).

    Args:
        content: ``choices[0].message.content``: a string, or a list of
            content parts with ``text``.

    Returns:
        The normalised report.

    Raises:
        ReplyParseError: If there is no JSON object in the content.
        ReportValidationError: If the object breaks the schema.
    """
    if isinstance(content, list):  # content parts
        content = ''.join(
            part.get('text', '') for part in content if isinstance(part, dict))
    if not isinstance(content, str) or not content.strip():
        raise ReplyParseError(f'reply has no text content (got '
                              f'{_excerpt(content)})')
    text = content.strip()
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        start, end = text.find('{'), text.rfind('}')
        try:
            if not 0 <= start < end:
                raise err
            obj = json.loads(text[start:end + 1])
        except json.JSONDecodeError:
            raise ReplyParseError(
                f'reply is not valid JSON ({err.msg} at character '
                f'{err.pos}): {_excerpt(content)}') from None
    return validate_report(obj)


def encode_image(path: str, max_side: int = 1024,
                 quality: int = 90) -> str:
    """An image file as a ``data:image/jpeg;base64,...`` URL.

    Images are re-encoded as JPEG (whatever their format, so the declared
    MIME type is right) and reduced to ``max_side`` pixels on the long side:
    VLMs downscale anyway, and smaller requests are faster and cheaper.

    Raises:
        DescribeError: If the file is missing or not an image.
    """
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as err:
        raise DescribeError(f'{path}: cannot read image ({err})') from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise DescribeError(f'{path}: not a readable image')
    h, w = image.shape[:2]
    if max(h, w) > max_side:
        scale = max_side / max(h, w)
        image = cv2.resize(image, (max(1, round(w * scale)),
                                   max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode('.jpg', image,
                               [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise DescribeError(f'{path}: JPEG encoding failed')
    return 'data:image/jpeg;base64,' + base64.b64encode(
        encoded.tobytes()).decode('ascii')


@register_describer
class OpenAIDescriber(BaseDescriber):
    """Describe images with an OpenAI-compatible chat-completions endpoint.

    Args:
        base_url: API root, e.g. ``https://api.openai.com/v1`` or
            ``http://localhost:8000/v1``.
        model: Model name the endpoint knows.
        api_key_env: Name of the environment variable holding the key;
            ``None`` or ``''`` sends no key (local servers).
        max_retries: Retries after the first attempt.
        backoff: First retry delay in seconds; doubles on each retry
            (with jitter), capped at ``max_backoff``.
        timeout: Seconds allowed for each HTTP request.
        concurrency: Requests in flight at once (threads in the pipeline
            and the connection-pool size).
        max_backoff: Upper bound of any delay, ``Retry-After`` included.
        image_max_side: Long side images are reduced to before sending.
        temperature: Sampling temperature (0: most deterministic).
        sleep: Delay function, replaceable for tests.

    Raises:
        APIKeyError: If ``api_key_env`` names an unset or empty variable.
            The message names the variable, never a value.
    """

    name = 'openai'

    def __init__(self,
                 base_url: str,
                 model: str,
                 api_key_env: Optional[str] = 'OPENAI_API_KEY',
                 max_retries: int = 4,
                 backoff: float = 0.5,
                 timeout: float = 60,
                 concurrency: int = 4,
                 max_backoff: float = 30.0,
                 image_max_side: int = 1024,
                 temperature: float = 0.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not base_url or not model:
            raise ValueError('the openai describer needs a base URL and a '
                             'model name')
        if max_retries < 0 or concurrency < 1 or timeout <= 0:
            raise ValueError('need max_retries >= 0, concurrency >= 1 and '
                             'timeout > 0')
        self.base_url = base_url.rstrip('/')
        self.model = model
        self.api_key_env = api_key_env or None
        self._api_key: Optional[_Secret] = None
        if self.api_key_env:
            value = os.environ.get(self.api_key_env, '')
            if not value.strip():
                raise APIKeyError(
                    f'environment variable {self.api_key_env} is not set or '
                    'empty; set it to the API key (or use no key for a local '
                    'server)')
            self._api_key = _Secret(value.strip())
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.timeout = float(timeout)
        self.concurrency = int(concurrency)
        self.max_backoff = float(max_backoff)
        self.image_max_side = int(image_max_side)
        self.temperature = float(temperature)
        self._sleep = sleep
        self._random = random.Random()
        self._random_lock = threading.Lock()
        # One pooled client shared by the worker threads (httpx.Client is
        # thread-safe). The key is not a default header: it is added per
        # request, so the client object itself holds no secret.
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            limits=httpx.Limits(max_connections=self.concurrency,
                                max_keepalive_connections=self.concurrency))

    # -- secrets -----------------------------------------------------------
    def scrub(self, text: str) -> str:
        """Remove the key from text that may be logged or written."""
        if self._api_key is not None:
            text = text.replace(self._api_key.reveal(), '<hidden>')
        return text

    def _headers(self) -> Dict[str, str]:
        headers = {'Content-Type': 'application/json'}
        if self._api_key is not None:
            headers['Authorization'] = f'Bearer {self._api_key.reveal()}'
        return headers

    # -- one attempt -------------------------------------------------------
    def _request(self, messages: List[Dict[str, Any]]) -> Any:
        """POST once; return the reply content or raise _Retryable."""
        body = {
            'model': self.model,
            'messages': messages,
            'response_format': {'type': 'json_object'},
            'temperature': self.temperature,
        }
        url = f'{self.base_url}/chat/completions'
        try:
            response = self._client.post(url, json=body,
                                         headers=self._headers())
        except httpx.TimeoutException:
            raise _Retryable(f'timed out after {self.timeout:g} s') from None
        except httpx.TransportError as err:
            raise _Retryable(f'connection error: {type(err).__name__}: '
                             f'{err}') from None
        status = response.status_code
        if status >= 400:
            reason = (f'HTTP {status} {response.reason_phrase}: '
                      f'{_excerpt(response.text)}')
            if status in RETRY_STATUS or status >= 500:
                raise _Retryable(
                    reason,
                    parse_retry_after(response.headers.get('Retry-After')))
            # A wrong key, model or URL does not heal by retrying.
            raise DescribeError(self.scrub(reason))
        try:
            return response.json()['choices'][0]['message']['content']
        except (ValueError, LookupError, TypeError):
            raise _Retryable('response is not a chat completion: ' +
                             _excerpt(response.text)) from None

    def _delay(self, retry: int, retry_after: Optional[float]) -> float:
        """Seconds before retry number ``retry`` (0-based)."""
        if retry_after is not None:
            return min(self.max_backoff, retry_after)
        with self._random_lock:
            jitter = 0.5 + 0.5 * self._random.random()
        # Jitter keeps concurrent workers from retrying in lockstep.
        return min(self.max_backoff, self.backoff * 2**retry * jitter)

    # -- public ------------------------------------------------------------
    def describe(self, sample: DescribeSample) -> Dict[str, Any]:
        """Ask the endpoint about one image, retrying as documented.

        Raises:
            DescribeError: With the last failure's reason (and the number
                of attempts) once retries are exhausted, or at once for an
                unreadable image or a non-retryable HTTP error.
        """
        image_url = encode_image(sample.image_path, self.image_max_side)
        base_messages = [
            {'role': 'system', 'content': PROMPT},
            {'role': 'user', 'content': [
                {'type': 'text', 'text': USER_TEXT},
                {'type': 'image_url', 'image_url': {'url': image_url}},
            ]},
        ]
        messages = base_messages
        attempts = self.max_retries + 1
        reason = 'no attempt made'
        for attempt in range(attempts):
            retry_after = None
            content: Any = None
            try:
                content = self._request(messages)
                return parse_reply(content)
            except _Retryable as err:
                reason, retry_after = self.scrub(err.reason), err.retry_after
            except (ReplyParseError, ReportValidationError) as err:
                reason = self.scrub(f'invalid reply: {err}')
                # Show the model its reply and what was wrong with it.
                messages = base_messages + [
                    {'role': 'assistant', 'content': str(content)[:4000]},
                    {'role': 'user', 'content':
                     f'That reply was invalid: {err}. Reply again with '
                     'exactly one JSON object as instructed.'},
                ]
            if attempt + 1 < attempts:
                delay = self._delay(attempt, retry_after)
                logger.warning('%s: attempt %d/%d failed (%s); retrying in '
                               '%.2f s', sample.sample_id, attempt + 1,
                               attempts, reason, delay)
                self._sleep(delay)
        raise DescribeError(f'{attempts} attempt(s) failed; last: {reason}')

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __repr__(self) -> str:
        return (f'OpenAIDescriber(base_url={self.base_url!r}, '
                f'model={self.model!r}, api_key_env={self.api_key_env!r})')
