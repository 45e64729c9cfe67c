from .text_vision_fusion_neck import TextVisionFusion, TextVisionFusionNeck

__all__ = ['TextVisionFusion', 'TextVisionFusionNeck']
