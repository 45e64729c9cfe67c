"""Errors raised while loading samples."""
from fgi_mmseg.utils.errors import UserFacingError


class SampleLoadError(UserFacingError, RuntimeError):
    """A sample's file is missing or malformed.

    The message always names the sample id, the field and the file, so a
    user can find the culprit among thousands of samples.
    """

    @classmethod
    def for_field(cls, results: dict, field: str, path: str,
                  problem: str) -> 'SampleLoadError':
        sample_id = results.get('sample_id', '<unknown id>')
        return cls(f'sample "{sample_id}": {field} file "{path}": {problem}')
