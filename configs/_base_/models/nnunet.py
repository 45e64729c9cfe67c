# nnU-Net as a baseline: the real nnU-Net (nnunetv2), its self-configured 2D
# U-Net trained by its own trainer on this config's data, exported at the
# protocol's size (tools/misc/train_nnunet.py; the benchmark runs it for
# configs with an `nnunet` key). label 'gaze' trains on the comprehensive
# gaze pseudo-mask (H >= t_comp, as "UNet, gaze"), 'full' on ground truth.
# The number of iterations and the batch size are the protocol's
# (train_cfg.max_iters, train_dataloader.batch_size); fgi_mmseg/nnunet/run.py
# says what else differs from nnU-Net's defaults.
nnunet = dict(label='gaze', dataset_id=501)
