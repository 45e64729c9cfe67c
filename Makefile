# Two commands on a fresh machine: `make demo` and `make test`.
# FGI_WHEEL_DIR: an optional folder of prebuilt wheels (e.g. mmcv 2.1.0 for
# torch 2.13 / CPython 3.11); without it mmcv is compiled from source
# (about 15 minutes on 2 cores, then cached by pip).
PYTHON ?= python3.11
VENV ?= .venv
FGI_WHEEL_DIR ?=
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -c requirements/constraints.txt \
	$(if $(FGI_WHEEL_DIR),--find-links $(FGI_WHEEL_DIR))
STAMP := $(VENV)/.installed
# DEMO_SEED draws another synthetic dataset (data/demo-seed<k>, results in
# work_dirs/demo-seed<k>); 0 is the default data/demo.
DEMO_SEED ?= 0
DEMO_SUFFIX := $(if $(filter 0,$(DEMO_SEED)),,-seed$(DEMO_SEED))
DEMO_DIR ?= work_dirs/demo$(DEMO_SUFFIX)
DEMO_OPTIONS := $(if $(DEMO_SUFFIX),--cfg-options $(foreach split,train val \
	test,$(split)_dataloader.dataset.data_root=data/demo$(DEMO_SUFFIX) \
	$(split)_dataloader.dataset.demo_cfg.seed=$(DEMO_SEED)))

.PHONY: install test demo clean-demo

install: $(STAMP)

$(STAMP): setup.py requirements/build.txt requirements/constraints.txt \
		requirements/runtime.txt requirements/tests.txt \
		requirements/nnunet.txt requirements/nnunet-deps.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/build.txt
	# torch first: mmcv's ops build against it (no build isolation).
	$(PIP) torch==2.13.0
	$(PIP) --no-build-isolation mmcv==2.1.0
	$(PIP) -r requirements/runtime.txt -r requirements/tests.txt
	# nnU-Net without its dependency on timm (requirements/nnunet.txt).
	$(PIP) --no-deps -r requirements/nnunet.txt
	$(PIP) -r requirements/nnunet-deps.txt
	$(PIP) --no-deps --no-build-isolation -e .
	touch $@

test: install
	$(PY) -m pytest

# FGI (teacher, then student, then test) and the gaze-supervised UNet
# baseline on the synthetic demo data; ends with both test results.
demo: install
	$(PY) tools/train.py configs/fgi/demo.py --work-dir $(DEMO_DIR)/fgi \
		$(DEMO_OPTIONS)
	$(PY) tools/train.py configs/baselines/unet_gaze_demo.py \
		--work-dir $(DEMO_DIR)/unet_gaze $(DEMO_OPTIONS)
	$(PY) tools/test.py configs/baselines/unet_gaze_demo.py \
		$$(ls -t $(DEMO_DIR)/unet_gaze/best_*.pth | head -n 1) \
		--work-dir $(DEMO_DIR)/unet_gaze $(DEMO_OPTIONS)
	$(PY) tools/misc/compare_metrics.py \
		"FGI student=$(DEMO_DIR)/fgi/student/test_metrics.json" \
		"UNet (gaze)=$(DEMO_DIR)/unet_gaze/test_metrics.json"

clean-demo:
	rm -rf $(DEMO_DIR) data/demo$(DEMO_SUFFIX)
