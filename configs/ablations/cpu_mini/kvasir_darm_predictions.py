# FGI on the CPU protocol with the paper's DARM (teacher/student
# disagreement, dropped pixels ignored), against the benchmark config's
# DARM off. Student stage alone, from the seed-0 benchmark teacher:
#   python tools/train.py configs/ablations/cpu_mini/kvasir_darm_predictions.py \
#       --work-dir work_dirs/ablations/cpu_mini/darm_predictions \
#       --cfg-options stage=student train_cfg.max_iters=1500 \
#       teacher_checkpoint=work_dirs/benchmark/kvasir/fgi/seed0/teacher/best_Dice_iter_1500.pth
_base_ = ['../../benchmark/kvasir/fgi.py']
# DARM with DistillEncoderDecoder's defaults (DARM_DEFAULTS); the base has
# darm=None, hence _delete_.
model = dict(darm=dict(_delete_=True, source='predictions'))
