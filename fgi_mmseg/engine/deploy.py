"""The deployable network of a config, built one way for the APIs
(``fgi_mmseg.apis.init_model``) and the panel hook's compared models.

.. code-block:: none

    init_model(config, checkpoint)
     ├─ deploy_config (config_derivation):
     │   ├─ TwoStageRunner config -> the student stage's config
     │   └─ DistillEncoderDecoder -> plain EncoderDecoder (the student
     │                               alone: no teacher, no text, no AFC
     │                               projections)
     └─ load the checkpoint strictly (teacher.* / afc_projections.* ignored)
"""
from pathlib import Path
from typing import Optional, Union

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.models import BaseSegmentor
from mmseg.registry import MODELS

from .checkpoint import DISTILL_ONLY_PREFIXES, load_student_weights
from .config_derivation import deploy_config

DEFAULT_DATASET_META = dict(
    classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 0, 0]])


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> BaseSegmentor:
    """Build the deployable segmentor of a config, in eval mode.

    For FGI (a ``DistillEncoderDecoder`` model or a ``TwoStageRunner``
    config) this is the student alone: the teacher is neither built nor
    loaded, the checkpoint's ``teacher.*`` (and training-only
    ``afc_projections.*``) keys are ignored, and no text is needed. Other
    segmentors are built as configured. The config's
    ``model.data_preprocessor`` is kept, so inputs are normalised as in
    training.

    Args:
        config (str | Path | Config): Config file path or object.
        checkpoint (str, optional): Weights, loaded strictly; None keeps
            the random initialisation.
        device (str): Device of the model. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        BaseSegmentor: The model, with ``cfg`` (the deploy config) and
        ``dataset_meta`` set.
    """
    config = deploy_config(config, cfg_options)
    init_default_scope(config.get('default_scope', 'mmseg'))
    model = MODELS.build(config.model)
    meta = {}
    if checkpoint is not None:
        meta = load_student_weights(model, checkpoint, DISTILL_ONLY_PREFIXES)
    model.dataset_meta = meta.get('dataset_meta') or dict(
        DEFAULT_DATASET_META)
    model.cfg = config
    model.to(device)
    model.eval()
    return model
