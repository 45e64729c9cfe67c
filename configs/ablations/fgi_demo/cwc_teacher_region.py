# teacher_adamw.py with CWC on the teacher's confident region alone
# (region='teacher', the released code's crc_loss): with a teacher above
# the student, the student is pulled to it also where it is itself unsure.
_base_ = ['./teacher_adamw.py']
model = dict(cwc_loss=dict(region='teacher'))
