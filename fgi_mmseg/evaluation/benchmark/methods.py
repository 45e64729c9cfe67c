"""The benchmark's methods: the paper's order and the tables' labels."""

# Table order: the paper's (baselines, then FGI, then the upper bound).
ORDER = ('unet_gaze', 'nnunet_gaze', 'transunet_gaze', 'gazemedseg', 'fgi',
         'fgi_released', 'unet_full', 'nnunet_full')
# The methods each paired per-image table is computed against.
PAIRED_REFERENCES = ('fgi', 'fgi_released')
LABELS = dict(
    unet_gaze='UNet (gaze)',
    nnunet_gaze='nnU-Net (gaze)',
    transunet_gaze='TransUNet (gaze)',
    gazemedseg='GazeMedSeg (gaze)',
    fgi='FGI (gaze + text)',
    fgi_released='FGI, released recipe (gaze + text)',
    unet_full='UNet (full masks)',
    nnunet_full='nnU-Net (full masks)')


def method_rank(method: str) -> int:
    """Position of ``method`` in :data:`ORDER`; other methods come after
    the paper's."""
    return ORDER.index(method) if method in ORDER else len(ORDER)


def label(method: str) -> str:
    """The table label of ``method`` (its name if it has none)."""
    return LABELS.get(method, method)
