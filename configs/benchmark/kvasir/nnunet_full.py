# "nnU-Net, full masks" on Kvasir-SEG: the upper bound with nnunetv2.
_base_ = ['./nnunet_gaze.py']
nnunet = dict(label='full')
