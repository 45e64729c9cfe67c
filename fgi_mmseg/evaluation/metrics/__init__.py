from .medical_seg_metric import MedicalSegMetric

__all__ = ['MedicalSegMetric']
