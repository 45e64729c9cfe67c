"""``openai``: describe images with any OpenAI-compatible chat endpoint.

Hosted models and local servers (vLLM, llama.cpp, Ollama, ...) serve the
same chat-completions API, spoken here through the official ``openai``
client. The image goes inline as a base64 JPEG data URL, the system message
is the structured :data:`~fgi_mmseg.text.schema.PROMPT`, and
``response_format`` carries the report's JSON Schema, so that servers that
constrain decoding can only produce valid reports; a server that rejects it
(HTTP 400 naming it) is asked again without it, for the rest of the run.

The client retries failed requests (HTTP 408/409/429/5xx, timeouts,
connection errors) with backoff, honouring ``Retry-After`` up to 2 minutes
(a longer one fails the request). What it cannot know is done here: a reply
that breaks the schema is asked for again, showing the model its reply and
the validation message (which is what gets a model to correct itself), and
once no attempt succeeds, :class:`DescribeError` carries the reason, which
the pipeline records. Nothing is ever replaced by a default.

The API key is read from an environment variable once, at construction,
and sent only in the ``Authorization`` header. It is kept in an object
whose ``repr`` hides it and scrubbed from every reason and log message.
"""
import base64
import json
import logging
import os
import re
import time
from typing import Any, Callable, Dict, List, Optional

import cv2
import numpy as np
import openai

from .base import (BaseDescriber, DescribeError, DescribeSample,
                   register_describer)
from .schema import (PROMPT, ReportValidationError, report_json_schema,
                     validate_report)

logger = logging.getLogger(__name__)

USER_TEXT = ('Describe the abnormal region in this image. Reply with the '
             'JSON object only.')
# Not strict: OpenAI's strict mode takes a subset of JSON Schema without
# ``prefixItems``, which "exactly one shape word" needs. Servers that compile
# the schema into a grammar (vLLM, llama.cpp) enforce it whatever the flag.
RESPONSE_FORMAT = {
    'type': 'json_schema',
    'json_schema': {'name': 'fgi_report', 'strict': False,
                    'schema': report_json_schema()},
}
_EXCERPT = 120  # characters of a server body or reply shown in reasons
_FENCE_RE = re.compile(r'^```[a-zA-Z]*\s*(.*?)\s*```$', re.DOTALL)


class APIKeyError(RuntimeError):
    """The environment variable meant to hold the API key is unset."""


class ReplyParseError(ValueError):
    """The reply content is not one JSON object."""


class _NotACompletion(ValueError):
    """A successful HTTP response that is no chat completion."""


class _Secret:
    """Holds a secret; its ``repr``/``str`` never show it, and it does not
    pickle, so it cannot leak through logs, tracebacks or dumps."""

    __slots__ = ('_value', )

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the API client only."""
        return self._value

    def __repr__(self) -> str:
        return '<hidden>'

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError('secrets cannot be pickled')


class _Client(openai.OpenAI):
    """The SDK client, sleeping its retry delays through a replaceable
    function (tests record them instead of waiting). ``_sleep_for_retry``
    is the SDK's own (private) hook, hence the pinned major version."""

    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def _sleep_for_retry(self, *, retries_taken: int, max_retries: int,
                         options: Any, response: Any) -> None:
        # The SDK's own delay: Retry-After, or exponential backoff (0.5 s
        # doubling up to 8 s) with jitter.
        delay = self._calculate_retry_timeout(
            max_retries - retries_taken, options,
            response.headers if response is not None else None)
        what = ('no response' if response is None else
                f'HTTP {response.status_code}')
        logger.warning('%s; retry %d/%d in %.2f s', what, retries_taken + 1,
                       max_retries, delay)
        self.sleep(delay)


def _excerpt(text: str) -> str:
    """A one-line, shortened ``repr`` of text for reasons."""
    text = ' '.join(str(text).split())
    if len(text) > _EXCERPT:
        text = text[:_EXCERPT - 3] + '...'
    return repr(text)


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
            ``http://localhost:8000/v1``; ``None`` follows the client's
            convention (``OPENAI_BASE_URL``, else the OpenAI API).
        model: Model name the endpoint knows.
        api_key_env: Name of the environment variable holding the key;
            ``None`` or ``''`` sends no key (local servers).
        max_retries: Retries of a failed request (by the client), and of
            an invalid reply, after the first attempt.
        timeout: Seconds allowed for each HTTP request.
        concurrency: Requests in flight at once (threads in the pipeline).
        image_max_side: Long side images are reduced to before sending.
        temperature: Sampling temperature (0: most deterministic).
        sleep: The client's retry delay function (replaceable for tests).

    Raises:
        APIKeyError: If ``api_key_env`` names an unset or empty variable.
            The message names the variable, never a value.
    """

    name = 'openai'

    def __init__(self,
                 base_url: Optional[str],
                 model: str,
                 api_key_env: Optional[str] = 'OPENAI_API_KEY',
                 max_retries: int = 4,
                 timeout: float = 60,
                 concurrency: int = 4,
                 image_max_side: int = 1024,
                 temperature: float = 0.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not model:
            raise ValueError('the openai describer needs a model name')
        if max_retries < 0 or concurrency < 1 or timeout <= 0:
            raise ValueError('need max_retries >= 0, concurrency >= 1 and '
                             'timeout > 0')
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
        self.timeout = float(timeout)
        self.concurrency = int(concurrency)
        self.image_max_side = int(image_max_side)
        self.temperature = float(temperature)
        self._use_schema = True  # until the server rejects response_format
        # Without a key the client would read OPENAI_API_KEY itself and
        # send it to whatever server this is; give it a placeholder and
        # remove the header from every request instead.
        key = self._api_key.reveal() if self._api_key else 'no-key'
        self._headers = {} if self._api_key else {'Authorization': openai.omit}
        # One client shared by the worker threads (it is thread-safe).
        self._client = _Client(base_url=base_url or None, api_key=key,
                               max_retries=self.max_retries,
                               timeout=self.timeout)
        self._client.sleep = sleep
        self.base_url = str(self._client.base_url).rstrip('/')

    def scrub(self, text: str) -> str:
        """Remove the key from text that may be logged or written."""
        if self._api_key is not None:
            text = text.replace(self._api_key.reveal(), '<hidden>')
        return text

    # -- one request (the client retries it) -------------------------------
    def _create(self, messages: List[Dict[str, Any]]) -> Any:
        """The completion, with the schema unless the server rejects it."""
        kwargs = dict(model=self.model, messages=messages,
                      temperature=self.temperature,
                      extra_headers=self._headers)
        if self._use_schema:
            try:
                return self._client.chat.completions.create(
                    response_format=RESPONSE_FORMAT, **kwargs)
            except openai.APIStatusError as err:
                # 422: servers whose request validation answers that way.
                if err.status_code not in (400, 422) or \
                        'response_format' not in err.response.text:
                    raise
                self._drop_schema(err)
        return self._client.chat.completions.create(**kwargs)

    def _drop_schema(self, err: openai.APIStatusError) -> None:
        """Stop sending ``response_format`` for the rest of the run."""
        if self._use_schema:  # a race between threads only warns twice
            self._use_schema = False
            logger.warning(
                'the server rejects response_format (HTTP %d: %s); asking '
                'without it from now on (replies are still validated)',
                err.status_code, self.scrub(_excerpt(err.response.text)))

    def _content(self, messages: List[Dict[str, Any]]) -> Any:
        """The reply content, or :class:`_NotACompletion` (the client
        raises ``openai.APIError`` once it has given up)."""
        try:
            completion = self._create(messages)
        except json.JSONDecodeError as err:  # a 200 whose body is no JSON
            raise _NotACompletion(_excerpt(err.doc)) from None
        try:
            return completion.choices[0].message.content
        except (AttributeError, LookupError, TypeError):
            raise _NotACompletion(_excerpt(completion.to_json())) from None

    def _api_reason(self, err: openai.APIError) -> str:
        """Why the client gave up, in the words of the records."""
        if isinstance(err, openai.APITimeoutError):
            return f'timed out after {self.timeout:g} s'
        if isinstance(err, openai.APIStatusError):
            response = err.response
            return (f'HTTP {response.status_code} {response.reason_phrase}: '
                    f'{_excerpt(response.text)}')
        cause = err.__cause__ or err
        return f'connection error: {type(cause).__name__}: {cause}'

    # -- public ------------------------------------------------------------
    def describe(self, sample: DescribeSample) -> Dict[str, Any]:
        """Ask the endpoint about one image, retrying as documented.

        Raises:
            DescribeError: With the last failure's reason and the number of
                failed attempts, or at once for an unreadable image.
        """
        image_url = encode_image(sample.image_path, self.image_max_side)
        base_messages = [
            {'role': 'system', 'content': PROMPT},
            {'role': 'user', 'content': [
                {'type': 'text', 'text': USER_TEXT},
                {'type': 'image_url', 'image_url': {'url': image_url}},
            ]},
        ]
        messages, failed, reason = base_messages, 0, 'no attempt made'
        for attempt in range(self.max_retries + 1):
            try:
                content = self._content(messages)
                return parse_reply(content)
            except openai.APIError as err:  # already retried by the client
                # The client numbers its retries in a header of each request.
                retries = err.request.headers['x-stainless-retry-count']
                failed += int(retries) + 1
                reason = self._api_reason(err)
                break
            except _NotACompletion as err:
                failed += 1
                reason = f'response is not a chat completion: {err}'
            except (ReplyParseError, ReportValidationError) as err:
                failed, reason = failed + 1, f'invalid reply: {err}'
                # Show the model its reply and what was wrong with it.
                messages = base_messages + [
                    {'role': 'assistant', 'content': str(content)[:4000]},
                    {'role': 'user', 'content':
                     f'That reply was invalid: {err}. Reply again with '
                     'exactly one JSON object as instructed.'},
                ]
            if attempt < self.max_retries:
                logger.warning('%s: %s; asking again', sample.sample_id,
                               self.scrub(reason))
        raise DescribeError(
            self.scrub(f'{failed} attempt(s) failed; last: {reason}'))

    def close(self) -> None:
        """Close the client's connection pool."""
        self._client.close()

    def __repr__(self) -> str:
        return (f'OpenAIDescriber(base_url={self.base_url!r}, '
                f'model={self.model!r}, api_key_env={self.api_key_env!r})')
