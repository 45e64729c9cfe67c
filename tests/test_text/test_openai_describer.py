"""The openai describer against a scripted loopback server."""
import base64
import json
import pickle

import cv2
import numpy as np
import pytest

from fgi_mmseg.text import (APIKeyError, DescribeError, DescribeSample,
                            JsonlAppender, OpenAIDescriber, describe_many,
                            read_records)
from fgi_mmseg.text.openai_describer import RESPONSE_FORMAT, parse_reply
from fgi_mmseg.text.schema import PROMPT, report_json_schema
from tests.test_text.helpers import VALID_REPORT, LoopbackServer, Reply

SECRET = 'sk-test-DO-NOT-LEAK-3f9a1c'
ENV = 'FGI_TEST_VLM_KEY'


@pytest.fixture
def server():
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def image(tmp_path):
    path = tmp_path / 'img.png'
    cv2.imwrite(str(path), np.full((40, 60, 3), (60, 90, 200), np.uint8))
    return DescribeSample('img', str(path))


@pytest.fixture
def make(server, monkeypatch):
    """Build a describer with the secret key and the client's retry delays
    recorded (not slept)."""
    monkeypatch.setenv(ENV, SECRET)
    made = []

    def factory(**kwargs):
        sleeps = []
        options = dict(base_url=server.base_url, model='test-vlm',
                       api_key_env=ENV, timeout=5,
                       sleep=sleeps.append)
        options.update(kwargs)
        describer = OpenAIDescriber(**options)
        describer.sleeps = sleeps
        made.append(describer)
        return describer

    yield factory
    for describer in made:
        describer.close()


def test_valid_reply_and_request_format(server, make, image):
    describer = make()
    server.push(Reply.report(dict(VALID_REPORT, location='Lower-Left')))
    report = describer.describe(image)
    assert report['location'] == 'lower left'
    assert report['characteristics'] == ['lobulated', 'reddish']
    (request, ) = server.requests
    assert request.path == '/v1/chat/completions'
    assert request.headers['Authorization'] == f'Bearer {SECRET}'
    assert [k.lower() for k, v in request.headers.items()
            if SECRET in v] == ['authorization']
    assert SECRET not in request.path + json.dumps(request.body)
    body = request.body
    assert body['model'] == 'test-vlm'
    assert body['response_format'] == RESPONSE_FORMAT
    system, user = body['messages']
    assert system == {'role': 'system', 'content': PROMPT}
    url = user['content'][1]['image_url']['url']
    prefix = 'data:image/jpeg;base64,'
    assert url.startswith(prefix)
    jpeg = base64.b64decode(url[len(prefix):])
    assert jpeg[:2] == b'\xff\xd8'  # a JPEG even though the file is PNG
    assert cv2.imdecode(np.frombuffer(jpeg, np.uint8), 1).shape == (40, 60, 3)
    assert describer.sleeps == []


def test_fenced_and_chatty_replies_are_accepted():
    text = json.dumps(VALID_REPORT)
    assert parse_reply(f'```json\n{text}\n```') == parse_reply(text)
    assert parse_reply(f'Here it is: {text} Hope this helps.')['boundary'] \
        == 'irregular'


@pytest.mark.parametrize('bad, reason', [
    ('{"location": "center", ', 'not valid JSON'),
    (json.dumps(dict(VALID_REPORT, boundary='fuzzy')),
     "'boundary': got 'fuzzy'"),
    (json.dumps(dict(VALID_REPORT, size=3)), "'size'"),
])
def test_invalid_reply_then_valid(server, make, image, bad, reason):
    describer = make()
    server.push(Reply.content(bad), Reply.report())
    assert describer.describe(image)['location'] == 'lower left'
    assert len(server.requests) == 2
    # the retry shows the model its reply and what was wrong
    retry_messages = server.requests[1].body['messages']
    assert retry_messages[2] == {'role': 'assistant', 'content': bad}
    assert reason in retry_messages[3]['content']
    assert describer.sleeps == []  # an invalid reply is asked again at once


def test_429_respects_retry_after_capped(server, make, image):
    describer = make()
    server.push(Reply(429, {'error': 'slow down'}, {'Retry-After': '1'}),
                Reply(429, {'error': 'slow down'}, {'Retry-After': '90'}),
                Reply.report())
    assert describer.describe(image)['confidence'] == 'high'
    assert describer.sleeps == [1.0, 90.0]
    # Longer than the client's cap (2 minutes): a failure, not a wait.
    server.push(Reply(429, {'error': 'quota'}, {'Retry-After': '600'}))
    with pytest.raises(DescribeError,
                       match=r'^1 attempt\(s\) failed; last: HTTP 429'):
        describer.describe(image)
    assert len(server.requests) == 4 and len(describer.sleeps) == 2


def test_500s_until_failure_recorded(server, make, image, tmp_path):
    describer = make(max_retries=2)
    server.push(*[Reply(500, {'error': 'boom'})] * 3)
    path = tmp_path / 'd.jsonl'
    with JsonlAppender(path) as appender:
        summary = describe_many([image], describer, appender, progress=False)
    assert len(server.requests) == 3
    reason = summary.failures['img']
    assert reason.startswith('3 attempt(s) failed; last: HTTP 500')
    assert 'boom' in reason
    # the client's exponential backoff: 0.5 s, then 1 s, less 0-25% jitter
    assert 0.375 <= describer.sleeps[0] <= 0.5
    assert 0.75 <= describer.sleeps[1] <= 1.0
    assert read_records(path)['img'].error == reason


def test_slow_reply_times_out_then_valid(server, make, image):
    describer = make(timeout=0.3)
    server.push(Reply.report(delay=1.0), Reply.report())
    assert describer.describe(image)['area_percentage'] == 12.0
    assert len(server.requests) == 2


def test_slow_replies_until_failure(server, make, image):
    describer = make(timeout=0.2, max_retries=1)
    server.push(Reply.report(delay=0.6), Reply.report(delay=0.6))
    with pytest.raises(DescribeError, match='last: timed out after 0.2 s'):
        describer.describe(image)


def test_client_errors_are_not_retried(server, make, image):
    describer = make()
    server.push(Reply(401, {'error': 'bad key'}))
    with pytest.raises(DescribeError, match='HTTP 401'):
        describer.describe(image)
    assert len(server.requests) == 1


def test_unreachable_server(make, image):
    describer = make(base_url='http://127.0.0.1:9/v1', max_retries=1)
    with pytest.raises(DescribeError, match='connection error'):
        describer.describe(image)


def test_key_never_leaks(server, make, image, caplog):
    caplog.set_level('DEBUG')
    describer = make(max_retries=1)
    # a server that echoes the key back in its error body
    server.push(*[Reply(500, {'error': f'invalid key {SECRET}'})] * 2)
    with pytest.raises(DescribeError) as info:
        describer.describe(image)
    assert 'invalid key <hidden>' in info.value.reason
    texts = [str(info.value), info.value.reason, repr(describer),
             str(vars(describer)), caplog.text]
    assert not any(SECRET in text for text in texts)
    assert ENV in repr(describer)
    with pytest.raises(TypeError):
        pickle.dumps(describer._api_key)


def test_missing_key_names_the_variable(monkeypatch, server):
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(APIKeyError, match=ENV):
        OpenAIDescriber(server.base_url, 'm', api_key_env=ENV)
    monkeypatch.setenv(ENV, '  ')
    with pytest.raises(APIKeyError, match=ENV):
        OpenAIDescriber(server.base_url, 'm', api_key_env=ENV)


def test_no_key_for_local_servers(server, image, monkeypatch):
    # The client's own fallback variable must not reach the server either.
    monkeypatch.setenv('OPENAI_API_KEY', SECRET)
    with OpenAIDescriber(server.base_url, 'm', api_key_env=None) as d:
        d.describe(image)
    (request, ) = server.requests
    assert 'Authorization' not in request.headers
    assert not any(SECRET in value for value in request.headers.values())


def test_concurrency_is_bounded(server, make, image, tmp_path):
    describer = make(concurrency=3)
    server.push(*[Reply.report(delay=0.15)] * 9)
    samples = [DescribeSample(f's{i}', image.image_path) for i in range(9)]
    with JsonlAppender(tmp_path / 'd.jsonl') as appender:
        summary = describe_many(samples, describer, appender, progress=False)
    assert summary.succeeded == 9
    assert 1 < server.max_in_flight <= 3


def test_schema_is_sent(server, make, image):
    make().describe(image)
    response_format = server.requests[0].body['response_format']
    assert response_format['type'] == 'json_schema'
    schema = response_format['json_schema']['schema']
    assert schema == report_json_schema()
    assert schema['additionalProperties'] is False
    assert schema['properties']['location']['enum'][0] == 'upper left'


def test_rejected_response_format_falls_back_and_is_remembered(
        server, make, image, caplog):
    describer = make()
    server.push(Reply(400, {'error': {
        'message': "Unsupported response_format type 'json_schema'",
        'type': 'invalid_request_error'}}))
    assert describer.describe(image)['location'] == 'lower left'
    describer.describe(image)
    first, fallback, later = (r.body for r in server.requests)
    assert first['response_format'] == RESPONSE_FORMAT
    assert 'response_format' not in fallback
    assert 'response_format' not in later  # remembered for the run
    assert fallback['messages'] == first['messages']
    assert caplog.text.count('rejects response_format') == 1
    assert describer.sleeps == []


def test_other_400_is_not_a_fallback(server, make, image):
    describer = make()
    server.push(Reply(400, {'error': {'message': 'unknown model'}}))
    with pytest.raises(DescribeError, match='HTTP 400.*unknown model'):
        describer.describe(image)
    assert len(server.requests) == 1
    describer.describe(image)
    assert server.requests[1].body['response_format'] == RESPONSE_FORMAT


@pytest.mark.parametrize('reply', [
    Reply(body='<html>a proxy page</html>'),
    Reply(body={'object': 'error'}),
])
def test_response_that_is_no_completion_is_retried(server, make, image,
                                                   reply):
    describer = make(max_retries=1)
    server.push(reply, reply)
    with pytest.raises(DescribeError) as info:
        describer.describe(image)
    assert len(server.requests) == 2
    assert info.value.reason.startswith(
        '2 attempt(s) failed; last: response is not a chat completion')


def test_attempts_add_up_over_kinds_of_failure(server, make, image):
    describer = make(max_retries=1)
    server.push(Reply.content('not json'), *[Reply(503, {'e': 'busy'})] * 2)
    with pytest.raises(DescribeError,
                       match=r'^3 attempt\(s\) failed; last: HTTP 503'):
        describer.describe(image)
    assert len(server.requests) == 3
