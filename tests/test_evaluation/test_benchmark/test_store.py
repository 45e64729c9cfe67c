"""The benchmark's CSV store: runs, per-image Dice, validation studies."""
import math

import pytest

from fgi_mmseg.evaluation.benchmark import (VAL_COLUMNS, append_val_row,
                                            cell_number, read_case_dice,
                                            read_per_image, read_rows,
                                            read_val_rows)


def test_absent_files_hold_no_rows(tmp_path):
    for read in (read_rows, read_per_image, read_val_rows):
        assert read(str(tmp_path / 'none.csv')) == []


def test_validation_rows_are_appended_with_absent_columns_empty(tmp_path):
    path = str(tmp_path / 'new' / 'toy_val.csv')
    append_val_row(path, dict(method='v0', seed=0, protocol='cpu_fast',
                              val_dice=60.0, commit='abc'))
    append_val_row(path, dict(method='v1', seed=0, protocol='cpu_fast',
                              val_dice=61.0, teacher_val_dice=55.0))
    with open(path) as f:
        assert f.readline().strip() == ','.join(VAL_COLUMNS)
    rows = read_val_rows(path)
    assert [(r['method'], r['teacher_val_dice'], r['commit'])
            for r in rows] == [('v0', '', 'abc'), ('v1', '55.0', '')]


def test_the_per_image_csv_of_the_metric_is_read_as_id_and_dice(tmp_path):
    path = tmp_path / 'per_image.csv'
    path.write_text('id,dice,iou,hd95,asd\na,60.5,50,1,1\nb,80,70,1,1\n')
    assert read_case_dice(str(path)) == [('a', 60.5), ('b', 80.0)]
    path.write_text('id,iou\na,50\n')
    with pytest.raises(ValueError, match=r"missing columns \['dice'\]"):
        read_case_dice(str(path))


def test_cells_that_are_no_number_are_none():
    assert cell_number('1.5') == 1.5
    for value in ('', None, 'nan', 'x'):
        assert cell_number(value) is None
    assert math.isinf(cell_number('inf'))
