from .angular_feature_consistency_loss import (AngularFeatureConsistencyLoss,
                                               angular_feature_consistency)
from .confidence_weighted_consistency_loss import (
    ConfidenceWeightedConsistencyLoss, confidence_weighted_consistency)
from .cross_level_propagation_consistency_loss import (
    CrossLevelPropagationConsistencyLoss, cross_level_propagation_consistency,
    propagate_features)
from .partial_cross_entropy_loss import PartialCrossEntropyLoss

__all__ = [
    'PartialCrossEntropyLoss', 'AngularFeatureConsistencyLoss',
    'angular_feature_consistency', 'ConfidenceWeightedConsistencyLoss',
    'confidence_weighted_consistency',
    'CrossLevelPropagationConsistencyLoss',
    'cross_level_propagation_consistency', 'propagate_features'
]
