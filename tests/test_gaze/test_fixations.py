"""Tests of the GazeMedSeg fixation CSV reader and writer."""
import numpy as np
import pytest

from fgi_mmseg.gaze.fixations import (ImageFixations, read_fixations,
                                      write_fixations)

HEADER = ('IMAGE,CURRENT_FIX_INDEX,CURRENT_FIX_X,CURRENT_FIX_Y,'
          'CURRENT_FIX_DURATION,CURRENT_FIX_PUPIL,CURRENT_FIX_START,'
          'IMAGE_HEIGHT,IMAGE_WIDTH')


def _write_csv(path, lines):
    path.write_text('\n'.join([HEADER] + lines) + '\n')
    return path


def test_read_groups_rows_by_image_id(tmp_path):
    path = _write_csv(tmp_path / 'fix.csv', [
        'a.jpg,1,0.25,0.5,300,1000,0,529.0,621.0',
        'b.jpg,1,0.1,0.2,150,1000,0,100.0,200.0',
        'a.jpg,2,0.75,1.0,200,1000,350,529.0,621.0',
    ])
    table = read_fixations(path)
    assert list(table) == ['a', 'b']
    a = table['a']
    np.testing.assert_array_equal(a.x, [0.25, 0.75])
    np.testing.assert_array_equal(a.y, [0.5, 1.0])
    np.testing.assert_array_equal(a.duration, [300, 200])
    assert (a.height, a.width) == (529, 621)
    assert table.report.num_bad == 0


def test_bad_rows_are_dropped_and_reported_with_line_numbers(tmp_path):
    path = _write_csv(tmp_path / 'fix.csv', [
        'a.jpg,1,0.5,0.5,300,0,0,10.0,10.0',  # line 2: good
        'a.jpg,2,1.2,0.5,300,0,0,10.0,10.0',  # line 3: x > 1
        'a.jpg,3,0.5,-0.1,300,0,0,10.0,10.0',  # line 4: y < 0
        'a.jpg,4,0.5,0.5,0,0,0,10.0,10.0',  # line 5: zero duration
        'a.jpg,5,0.5,0.5,-5,0,0,10.0,10.0',  # line 6: negative duration
        'a.jpg,6,abc,0.5,300,0,0,10.0,10.0',  # line 7: not a number
        'a.jpg,7,0.5,0.5,,0,0,10.0,10.0',  # line 8: empty
        'a.jpg,8,0.5,0.5,300,0,0,12.0,10.0',  # line 9: other size
        'a.jpg,9,0.2,0.3,100,0,0,10.0,10.0',  # line 10: good
    ])
    table = read_fixations(path)
    assert table.report.bad_rows == {
        'unparsable': [7, 8],
        'out_of_range': [3, 4],
        'non_positive_duration': [5, 6],
        'size_mismatch': [9],
    }
    assert table.report.counts == {
        'unparsable': 2,
        'out_of_range': 2,
        'non_positive_duration': 2,
        'size_mismatch': 1,
    }
    np.testing.assert_array_equal(table['a'].x, [0.5, 0.2])
    assert 'rows 3, 4' in str(table.report)


def test_missing_column_error_names_file_and_column(tmp_path):
    path = tmp_path / 'no_duration.csv'
    path.write_text('IMAGE,CURRENT_FIX_X,CURRENT_FIX_Y,IMAGE_HEIGHT,'
                    'IMAGE_WIDTH\na.jpg,0.5,0.5,10.0,10.0\n')
    with pytest.raises(ValueError) as err:
        read_fixations(path)
    assert str(path) in str(err.value)
    assert 'CURRENT_FIX_DURATION' in str(err.value)


def test_write_then_read_roundtrips_values(tmp_path):
    fixations = [
        ImageFixations('img1', np.array([0.1, 1 / 3]), np.array([0.0, 1.0]),
                       np.array([120.0, 250.5]), 529, 621),
        ImageFixations('img2', np.array([0.9]), np.array([0.4]),
                       np.array([80.0]), 10, 20),
    ]
    path = tmp_path / 'out.csv'
    write_fixations(path, fixations)
    table = read_fixations(path)
    assert list(table) == ['img1', 'img2']
    for fix in fixations:
        got = table[fix.image_id]
        np.testing.assert_array_equal(got.x, fix.x)
        np.testing.assert_array_equal(got.y, fix.y)
        np.testing.assert_array_equal(got.duration, fix.duration)
        assert (got.height, got.width) == (fix.height, fix.width)


def test_write_uses_the_released_column_conventions(tmp_path):
    fix = ImageFixations('img1', [0.5, 0.25, 0.75], [0.5, 0.5, 0.5],
                         [100, 200, 300], 529, 621)
    path = tmp_path / 'out.csv'
    write_fixations(path, [fix])
    lines = path.read_text().splitlines()
    assert lines[0] == HEADER
    rows = [line.split(',') for line in lines[1:]]
    assert [r[0] for r in rows] == ['img1.jpg'] * 3
    assert [r[1] for r in rows] == ['1', '2', '3']  # CURRENT_FIX_INDEX
    assert [r[5] for r in rows] == ['0', '0', '0']  # CURRENT_FIX_PUPIL
    assert [r[6] for r in rows] == ['0', '100', '300']  # cumulative start
    assert rows[0][7:] == ['529.0', '621.0']


def test_write_replaces_existing_file_without_leftovers(tmp_path):
    path = tmp_path / 'out.csv'
    path.write_text('old content\n')
    write_fixations(path, [ImageFixations('a', [0.5], [0.5], [100], 4, 4)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out.csv']
    assert path.read_text().startswith(HEADER)


def test_a_duplicated_column_name_is_refused(tmp_path):
    path = tmp_path / 'fix.csv'
    path.write_text(HEADER + ',CURRENT_FIX_X\n'
                    'a.jpg,1,0.25,0.5,300,1000,0,529,621,0.9\n')
    with pytest.raises(ValueError, match=r"fix.csv: column names "
                       r"\['CURRENT_FIX_X'\] appear more than once"):
        read_fixations(path)


def test_duplicated_rows_are_reported_and_kept(tmp_path):
    rows = ['a.jpg,1,0.25,0.5,300,1000,0,529,621',
            'a.jpg,2,0.75,0.5,200,1000,350,529,621']
    path = _write_csv(tmp_path / 'fix.csv', rows + rows)
    table = read_fixations(path)
    assert table.report.duplicate_rows == [4, 5]
    assert len(table['a']) == 4
    assert '2 rows repeat an earlier row exactly (kept; rows 4, 5)' in \
        str(table.report)
