# FGI on Kvasir-SEG with the paper's protocol (method §7): 224 x 224,
# batch 8, SGD + cosine, 15,000 iterations per stage, flips; teacher
# widths 64..1024, student 32..512; checkpoints selected on val.
#   python tools/train.py configs/fgi/kvasir.py
# Text: descriptions from the offline `gaze` describer (or a VLM endpoint,
# tools/text/describe.py --describer openai) encoded by the bundled
# all-MiniLM-L6-v2 (384-d). With roberta-base, set
# model.teacher.neck.text_channels=768.
# DARM is the paper's (teacher/student disagreement, fgi_unet.py). Measured
# here it pulls the student far below its teacher (docs/results.md, "DARM
# tested on the CPU protocol"); --cfg-options model.darm=None turns it off.
_base_ = [
    '../_base_/models/fgi_unet.py', '../_base_/datasets/kvasir.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
runner_type = 'TwoStageRunner'
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
