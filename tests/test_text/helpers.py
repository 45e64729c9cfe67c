"""Test helpers: a scripted OpenAI-compatible server and the describe tool.

:class:`LoopbackServer` is an ``http.server`` on 127.0.0.1 (port 0, so
parallel runs never clash) that answers ``POST .../chat/completions`` from a
script of responses, one per request, and records every request (path,
headers, JSON body) for assertions; header names are case-insensitive, as in
HTTP (the openai client sends them in lower case). When the script is empty
it answers with a valid report.
"""
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, Deque, Dict, List, Optional

from tests.conftest import load_tool

REPO = Path(__file__).resolve().parents[2]
DESCRIBE_TOOL = REPO / 'tools' / 'text' / 'describe.py'

VALID_REPORT = {
    'location': 'lower left',
    'boundary': 'irregular',
    'characteristics': ['lobulated', 'reddish'],
    'area_percentage': 12,
    'confidence': 'high',
    'remarks': '',
}


def chat_body(content: str) -> Dict[str, Any]:
    """A chat-completions response whose message content is ``content``."""
    return {
        'id': 'chatcmpl-test',
        'object': 'chat.completion',
        'choices': [{'index': 0, 'finish_reason': 'stop',
                     'message': {'role': 'assistant', 'content': content}}],
    }


@dataclass
class Reply:
    """One scripted response."""

    status: int = 200
    body: Any = None  # dict -> JSON; str -> sent as is
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering

    @classmethod
    def report(cls, report: Optional[dict] = None, **kwargs) -> 'Reply':
        return cls(body=chat_body(json.dumps(report or VALID_REPORT)),
                   **kwargs)

    @classmethod
    def content(cls, text: str, **kwargs) -> 'Reply':
        return cls(body=chat_body(text), **kwargs)


@dataclass
class Request:
    """What the server received."""

    path: str
    headers: Message  # case-insensitive; a missing header reads as None
    body: Any


class LoopbackServer:
    """Scripted OpenAI-compatible server on loopback; see module doc."""

    def __init__(self) -> None:
        self.script: Deque[Reply] = deque()
        self.requests: List[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0  # most requests handled at once
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get('Content-Length', 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                with server._lock:
                    server.requests.append(
                        Request(self.path, self.headers, body))
                    reply = server.script.popleft() if server.script \
                        else Reply.report()
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight,
                                               server.in_flight)
                time.sleep(reply.delay)
                with server._lock:
                    server.in_flight -= 1
                data = reply.body if isinstance(reply.body, str) \
                    else json.dumps(reply.body or {})
                data = data.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f'http://127.0.0.1:{self._httpd.server_port}/v1'
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05},
            daemon=True)

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def start(self) -> 'LoopbackServer':
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def load_describe_tool() -> ModuleType:
    """tools/text/describe.py as a module, to call ``main(argv)`` in-process
    (a subprocess would pay for importing torch and mmseg again)."""
    return load_tool('tools/text/describe.py')
