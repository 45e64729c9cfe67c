from .inference import (ImageReadError, deploy_config, inference_model,
                        inference_pipeline_config, init_model)

__all__ = [
    'ImageReadError', 'deploy_config', 'inference_model',
    'inference_pipeline_config', 'init_model'
]
