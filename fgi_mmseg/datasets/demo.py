"""Seeded synthetic polyp data so the demo and tests need no downloads.

Each image is textured mucosa (low-frequency colour noise, vessels and an
endoscope vignette) with one or two lesions of random shape, size, colour
contrast and boundary sharpness, plus specular highlights. Gaze is simulated
from the lesion mask (:func:`fgi_mmseg.gaze.simulate_fixations`) and turned
into heatmaps with the same recipe as real fixations, so the demo exercises
the whole gaze path. The layout is the one :class:`GazeSegDataset` reads::

    data/demo/images/<id>.png  masks/<id>.png  gaze/heatmaps/<id>.png
    data/demo/gaze/fixations.csv  splits/{train,val,test}.txt
    data/demo/descriptions.jsonl  embeddings/<id>.npy   (FGI configs only)

The descriptions come from the offline ``gaze`` describer and the
embeddings from the default text encoder, exactly as
``tools/text/describe.py`` and ``tools/text/encode.py`` make them for real
data.
"""
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, List, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log
from mmseg.registry import DATASETS

from fgi_mmseg.gaze import (fast_heatmap, save_heatmap, simulate_fixations,
                            write_fixations)
from .gaze_seg_dataset import GazeSegDataset

DEFAULT_SPLITS = (('train', 200), ('val', 30), ('test', 50))


def _smooth_noise(rng: np.random.Generator, size: int, scale: float,
                  channels: int = 1) -> np.ndarray:
    """Zero-mean, unit-std noise with structures of about ``scale`` px."""
    noise = rng.standard_normal((size, size, channels)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), scale)
    noise = noise.reshape(size, size, channels)
    return (noise - noise.mean()) / (noise.std() + 1e-6)


def _lesion_mask(rng: np.random.Generator, size: int,
                 avoid: np.ndarray) -> np.ndarray:
    """One lobulated blob: a polar radius with a few random harmonics."""
    radius = size * rng.uniform(0.09, 0.26)
    margin = radius * 1.2
    for _ in range(20):
        cy, cx = rng.uniform(margin, size - margin, 2)
        if not avoid[int(cy), int(cx)]:
            break
    theta = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 6):
        r += rng.uniform(0, 0.22 / k * 2) * np.cos(k * theta +
                                                    rng.uniform(0, 2 * np.pi))
    aspect = rng.uniform(0.7, 1.3)
    pts = np.stack([cx + radius * r * np.cos(theta) * aspect,
                    cy + radius * r * np.sin(theta) / aspect], axis=1)
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask.astype(bool)


def render_polyp_image(rng: np.random.Generator,
                       size: int = 128) -> Tuple[np.ndarray, np.ndarray]:
    """Render one synthetic endoscopy image (RGB uint8) and its mask."""
    base = np.array([rng.uniform(160, 200), rng.uniform(75, 105),
                     rng.uniform(65, 90)], np.float32)
    # Shading varies brightness (all channels together); hue varies little.
    shade = 1 + 0.12 * _smooth_noise(rng, size, size / 8)
    img = base * shade + 4 * _smooth_noise(rng, size, size / 10, 3) \
        + 5 * _smooth_noise(rng, size, 1.0)

    # Vessels: thin dark random walks.
    vessels = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(2, 6)):
        pts = np.cumsum(rng.normal(0, size / 12, (8, 2)), axis=0)
        pts += rng.uniform(0, size, 2)
        cv2.polylines(vessels, [pts.astype(np.int32)], False, 1.0,
                      int(rng.integers(1, 3)))
    img -= 30 * cv2.GaussianBlur(vessels, (0, 0), 0.8)[..., None] \
        * np.array([0.4, 1.0, 1.0], np.float32)

    mask = np.zeros((size, size), bool)
    for _ in range(1 if rng.random() < 0.8 else 2):
        lesion = _lesion_mask(rng, size, mask)
        mask |= lesion
        # Lesions are a shifted hue with a dome shading and own texture; the
        # contrast and edge blur vary so some lesions are hard to delineate.
        contrast = rng.uniform(0.4, 1.0)
        tint = np.array([rng.uniform(10, 45), rng.uniform(-10, 30),
                         rng.uniform(-5, 35)], np.float32) * contrast
        dist = cv2.distanceTransform(lesion.astype(np.uint8), cv2.DIST_L2, 3)
        dome = np.clip(dist / (dist.max() + 1e-6), 0, 1)[..., None]
        texture = 12 * _smooth_noise(rng, size, rng.uniform(0.8, 2), 1)
        edge = rng.uniform(0.5, 2.5)
        alpha = cv2.GaussianBlur(lesion.astype(np.float32), (0, 0),
                                 edge)[..., None]
        img += alpha * (tint + 25 * contrast * dome + texture * contrast)

    # Specular highlights, more likely on the (convex) lesions.
    for _ in range(rng.integers(2, 8)):
        ys, xs = np.nonzero(mask) if rng.random() < 0.6 and mask.any() \
            else np.nonzero(np.ones_like(mask))
        i = rng.integers(len(ys))
        spot = np.zeros((size, size), np.float32)
        cv2.ellipse(spot, (int(xs[i]), int(ys[i])),
                    (int(rng.integers(1, 4)), int(rng.integers(1, 3))),
                    float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        img += 120 * cv2.GaussianBlur(spot, (0, 0), 0.7)[..., None]

    yy, xx = np.mgrid[:size, :size] / (size - 1) - 0.5
    img *= (1 - 0.9 * np.clip(np.hypot(yy, xx) - 0.35, 0, None) * 2)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8), mask.astype(np.uint8)


def materialize_demo_data(root: str,
                          seed: int = 0,
                          size: int = 96,
                          splits=DEFAULT_SPLITS,
                          sigma: float = 70) -> str:
    """Create the demo dataset under ``root`` unless it is already there.

    The data is written into a temporary sibling folder that is renamed to
    ``root`` at the end, so an interrupted run leaves nothing half-written
    and concurrent processes (distributed workers) cannot see a partial set.

    Args:
        root (str): Destination folder.
        seed (int): Seed of the one generator all randomness comes from.
        size (int): Image side in pixels.
        splits: ``(name, count)`` pairs.
        sigma (float): Gaze blur on the 768 canvas (Kvasir's 70).

    Returns:
        str: ``root``.
    """
    if osp.isdir(root):
        return root
    parent = osp.dirname(osp.abspath(root))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.demo-', dir=parent)
    try:
        _write_demo_data(tmp, seed, size, splits, sigma)
        try:
            os.rename(tmp, root)
        except OSError:
            if not osp.isdir(root):  # a real failure, not a lost race
                raise
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp)
    return root


def _write_demo_data(out: str, seed: int, size: int, splits,
                     sigma: float) -> None:
    rng = np.random.default_rng(seed)
    for sub in ('images', 'masks', 'gaze/heatmaps', 'splits'):
        os.makedirs(osp.join(out, sub))
    all_fixations = []
    for split, count in splits:
        ids: List[str] = []
        for i in range(count):
            sample_id = f'{split}_{i:04d}'
            img, mask = render_polyp_image(rng, size)
            fix = simulate_fixations(mask, rng, sample_id)
            heatmap = fast_heatmap(fix.x, fix.y, fix.duration, size, size,
                                   sigma=sigma)
            cv2.imwrite(osp.join(out, 'images', sample_id + '.png'),
                        img[..., ::-1])
            cv2.imwrite(osp.join(out, 'masks', sample_id + '.png'), mask * 255)
            save_heatmap(osp.join(out, 'gaze/heatmaps', sample_id + '.png'),
                         heatmap)
            all_fixations.append(fix)
            ids.append(sample_id)
        with open(osp.join(out, 'splits', split + '.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
    write_fixations(osp.join(out, 'gaze', 'fixations.csv'), all_fixations)


def materialize_demo_text(root: str, model: str = 'default') -> str:
    """Describe (``gaze`` describer) and encode every demo sample.

    Descriptions are appended record by record (a rerun continues) and
    the embeddings (and their flip variants, ``flip_<direction>/``) are
    written into temporary folders renamed into place at the end, so a
    partial set is never visible.

    Args:
        root (str): The demo data folder (from :func:`materialize_demo_data`).
        model (str): Text encoder (see :class:`fgi_mmseg.text.TextEncoder`).

    Returns:
        str: The embeddings folder.
    """
    from fgi_mmseg.text import (DescribeSample, JsonlAppender,
                                build_describer, describe_many, read_records)
    from fgi_mmseg.text.cache import save_embedding
    from fgi_mmseg.text.encoder import TextEncoder
    from fgi_mmseg.text.flip import (FLIP_DIRECTIONS, flip_variant_dir,
                                     mirror_report)

    out = osp.join(root, 'embeddings')
    folders = [(d, flip_variant_dir(out, d))
               for d in (None, ) + FLIP_DIRECTIONS]
    if all(osp.isdir(folder) for _, folder in folders):
        return out
    ids = sorted(osp.splitext(name)[0]
                 for name in os.listdir(osp.join(root, 'images')))
    descriptions = osp.join(root, 'descriptions.jsonl')
    done = read_records(descriptions) if osp.isfile(descriptions) else {}
    samples = [
        DescribeSample(i, osp.join(root, 'images', i + '.png'),
                       osp.join(root, 'gaze', 'heatmaps', i + '.png'))
        for i in ids if i not in done
    ]
    with JsonlAppender(descriptions) as appender:
        describe_many(samples, build_describer('gaze'), appender,
                      progress=False)
    records = read_records(descriptions)
    encoder = TextEncoder(model)
    # The unflipped folder first: the flip variants are renamed into it.
    for direction, folder in folders:
        if osp.isdir(folder):
            continue
        reports = [mirror_report(records[i].report, direction) for i in ids]
        tmp = tempfile.mkdtemp(prefix='.embeddings-',
                               dir=osp.dirname(folder))
        try:
            for start in range(0, len(ids), 64):
                for sample_id, embed in zip(
                        ids[start:start + 64],
                        encoder.encode(reports[start:start + 64])):
                    save_embedding(tmp, sample_id, embed)
            os.rename(tmp, folder)
        finally:
            if osp.isdir(tmp):
                shutil.rmtree(tmp)
    return out


@DATASETS.register_module()
class DemoPolypDataset(GazeSegDataset):
    """The synthetic polyp dataset, materialised on first use.

    Args:
        data_root (str): Where the data lives (created if absent).
        demo_cfg (dict, optional): Arguments of :func:`materialize_demo_data`
            besides ``root``.
        **kwargs: Passed to :class:`GazeSegDataset`.
    """

    METAINFO = dict(
        classes=('background', 'polyp'), palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self,
                 data_root: str = 'data/demo',
                 demo_cfg: Dict = None,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        if not osp.isdir(data_root):
            print_log(f'Generating the synthetic demo data in {data_root}',
                      logger='current')
            materialize_demo_data(data_root, **(demo_cfg or {}))
        prefix = kwargs.get('data_prefix') or {}
        if 'text_embed_path' in prefix and not osp.isdir(
                osp.join(data_root, prefix['text_embed_path'])):
            print_log(f'Describing and encoding the demo data in {data_root}',
                      logger='current')
            materialize_demo_text(data_root)
        super().__init__(
            data_root=data_root,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            **kwargs)
