from .angular_feature_consistency_loss import (AngularFeatureConsistencyLoss,
                                               angular_feature_consistency)
from .confidence_weighted_consistency_loss import (
    ConfidenceWeightedConsistencyLoss, confidence_weighted_consistency)
from .partial_cross_entropy_loss import PartialCrossEntropyLoss

__all__ = [
    'PartialCrossEntropyLoss', 'AngularFeatureConsistencyLoss',
    'angular_feature_consistency', 'ConfidenceWeightedConsistencyLoss',
    'confidence_weighted_consistency'
]
