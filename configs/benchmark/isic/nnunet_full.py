# "nnU-Net, full masks" on ISIC 2017: the upper bound with nnunetv2.
_base_ = ['./nnunet_gaze.py']
nnunet = dict(label='full')
