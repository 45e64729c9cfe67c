# FGI on Kvasir-SEG (real gaze, `gaze` describer text), CPU benchmark
# protocol: teacher, then student (4,000 iterations each), then test. The
# teacher learns from the whole 0.5 mask (t_bg = t_fg) with flip-consistent
# text: the changes of the FGI ingredient study that helped on val
# (configs/ablations/fgi_study/v3_tbg.py, docs/results.md). The student's
# AFC (Eq. 9) weighs 10x the paper's 0.1, chosen on val as v9_afc_x10.py.
_base_ = [
    '../../_base_/models/cpu_mini/fgi.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
runner_type = 'TwoStageRunner'
stages = dict(
    teacher=dict(
        train_dataloader=dict(
            dataset=dict(pipeline=_base_.train_pipeline_released))))
model = dict(afc_loss=dict(loss_weight=1.0))
