"""The root of the errors a user can fix (bad input, a failed run)."""


class UserFacingError(Exception):
    """An error whose message alone tells the user what to fix.

    The message names the file, the field, what was expected and what was
    found; tools print it as one line and exit with status 2 (see
    :func:`fgi_mmseg.utils.cli.run_tool`), with the traceback only under
    ``--debug``. Project errors inherit it next to their builtin type
    (``RuntimeError``, ``ValueError``...), so existing handlers still work.
    """
