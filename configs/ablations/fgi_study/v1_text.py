# + flip-consistent text: a flipped sample carries the encoding of its
# mirrored report (fgi_mmseg/text/flip.py).
_base_ = ['./v0_before.py']
_flipped = dict(dataset=dict(pipeline=_base_.mini_train_pipeline_text))
stages = dict(
    teacher=dict(train_dataloader=_flipped),
    student=dict(train_dataloader=_flipped))
