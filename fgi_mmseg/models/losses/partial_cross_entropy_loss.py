"""Partial cross-entropy on the sparse gaze mask (method §5)."""
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS


@MODELS.register_module()
class PartialCrossEntropyLoss(CrossEntropyLoss):
    """Cross-entropy averaged over labelled pixels only.

    Pixels labelled ``ignore_index`` (the unsure band of the sparse mask)
    contribute nothing, and the mean is over the labelled pixels rather
    than over all pixels, so the loss scale does not depend on how much of
    the image is unsure. A batch with no labelled pixel gives 0, not NaN.
    This is mmseg's ``CrossEntropyLoss`` with ``avg_non_ignore=True``.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name in the log. Defaults to 'loss_pce'.
        **kwargs: Other :class:`CrossEntropyLoss` arguments.
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_pce',
                 **kwargs) -> None:
        super().__init__(loss_weight=loss_weight, loss_name=loss_name,
                         avg_non_ignore=True, **kwargs)
