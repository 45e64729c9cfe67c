from fgi_mmseg.engine.config_derivation import deploy_config
from fgi_mmseg.engine.deploy import init_model
from .inference import (ImageReadError, inference_model,
                        inference_pipeline_config)

__all__ = [
    'ImageReadError', 'deploy_config', 'inference_model',
    'inference_pipeline_config', 'init_model'
]
