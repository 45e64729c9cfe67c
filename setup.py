"""Install fgi_mmseg as an OpenMMLab 2.0 plugin (``pip install -e .``)."""
from pathlib import Path

from setuptools import find_packages, setup


def read_requirements(name: str) -> list:
    lines = Path(__file__).parent.joinpath('requirements', name).read_text()
    return [
        line.split('#')[0].strip() for line in lines.splitlines()
        if line.split('#')[0].strip()
    ]


version: dict = {}
exec(Path(__file__).parent.joinpath('fgi_mmseg', 'version.py').read_text(),
     version)

setup(
    name='fgi_mmseg',
    version=version['__version__'],
    description='From Gaze to Insight: weakly supervised medical image '
    'segmentation from gaze and VLM descriptions, on mmsegmentation',
    long_description=Path(__file__).parent.joinpath('README.md').read_text(),
    long_description_content_type='text/markdown',
    python_requires='>=3.11',
    packages=find_packages(include=['fgi_mmseg', 'fgi_mmseg.*']),
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        tests=read_requirements('tests.txt'),
        crf=read_requirements('optional.txt')),
    license='Apache-2.0',
    zip_safe=False,
)
