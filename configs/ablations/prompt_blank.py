# Prompt ablation (method §4; paper: VLM 80.78, blank 79.76, random 78.82
# Kvasir Dice): the teacher reads embeddings of descriptions made by
# tools/text/describe.py --describer blank, encoded into
# data/kvasir-gaze/embeddings_blank.
_base_ = ['../fgi/kvasir.py']
text_prefix = dict(text_embed_path='data/kvasir-gaze/embeddings_blank')
