# FGI on the CPU protocol with the paper's DARM (teacher/student
# disagreement, dropped pixels ignored), against the benchmark config's
# DARM off. Student stage alone, from the seed-0 benchmark teacher:
#   python tools/train.py configs/ablations/cpu_mini/kvasir_darm_predictions.py \
#       --work-dir work_dirs/ablations/cpu_mini/darm_predictions \
#       --cfg-options stage=student train_cfg.max_iters=1500 \
#       teacher_checkpoint=work_dirs/benchmark/kvasir/fgi/seed0/teacher/best_Dice_iter_1500.pth
_base_ = ['../../benchmark/kvasir/fgi.py']
model = dict(
    darm=dict(
        _delete_=True,  # the base has darm=None
        ratio=0.3,
        patch_sizes=(3, 5, 7, 9, 11),
        reference_size=224,
        source='predictions',
        drop_label=255,
        seed=0))
