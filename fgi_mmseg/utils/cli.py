"""Entry points of the tools: one clear line for bad input, not a traceback.
"""
import sys
from typing import Callable, Optional

from .errors import UserFacingError

BAD_INPUT = 2
# Besides the project's errors: a path the user gave that does not exist.
_REPORTED = (UserFacingError, FileNotFoundError)


def _one_line(error: BaseException) -> str:
    """The error as one line. Errors re-raised from dataloader workers carry
    the worker's traceback in their message; its last line is the error."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f'{error.filename}: {error.strerror}'
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith('Caught '):
        return lines[-1].split(': ', 1)[-1]
    return ' '.join(lines) or type(error).__name__


def run_tool(main: Callable[[], Optional[int]]) -> None:
    """Run a tool's ``main`` and exit with its status.

    ``--debug`` (removed from ``sys.argv`` before ``main`` parses it) shows
    the full traceback of reported errors; without it they print as
    ``error: <message>`` on stderr with exit status 2.
    """
    debug = '--debug' in sys.argv[1:]
    if debug:
        sys.argv = [a for a in sys.argv if a != '--debug']
    try:
        status = main()
    except _REPORTED as error:
        if debug:
            raise
        print(f'error: {_one_line(error)} (--debug shows the traceback)',
              file=sys.stderr)
        sys.exit(BAD_INPUT)
    sys.exit(status or 0)
