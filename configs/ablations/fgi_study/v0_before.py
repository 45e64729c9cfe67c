# FGI as benchmarked before the study: the text does not follow the flips
# (GazeRandomFlip text='keep'), teacher 1,500 iterations, t_bg 0.05, CWC on
# the clean view where both networks are confident, DARM off.
_base_ = ['../../benchmark/kvasir/fgi.py']
_unflipped = dict(
    train_dataloader=dict(
        dataset=dict(pipeline=_base_.mini_train_pipeline_text_unflipped)))
stages = dict(teacher=_unflipped, student=_unflipped)
