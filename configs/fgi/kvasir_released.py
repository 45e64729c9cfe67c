# The authors' released FGI recipe on Kvasir-SEG with the paper's protocol
# (224 x 224, batch 8, SGD + cosine, 15,000 iterations): teacher and
# student trained jointly and online (CrossSupervisedEncoderDecoder), the
# student evaluated and deployed. The paper's two stages: kvasir.py.
#   python tools/train.py configs/fgi/kvasir_released.py
_base_ = [
    '../_base_/models/fgi_released.py', '../_base_/datasets/kvasir.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
train_dataloader = dict(
    dataset=dict(
        data_prefix=_base_.text_prefix,
        pipeline=_base_.train_pipeline_released))
