"""The benchmark's Markdown tables and its Dice plot."""
from fgi_mmseg.evaluation.benchmark import (mean_std, paired_table,
                                            plot_dice, val_table)


def test_mean_and_std_are_written_as_far_as_they_are_defined():
    assert mean_std([]) == '-'
    assert mean_std([80.0]) == '80.00'
    assert mean_std([80.0, 82.0]) == '81.00 ± 1.41'


def test_validation_studies_keep_the_csv_order_and_name_their_commits():
    rows = [dict(method='v1', seed='0', protocol='cpu_fast', val_dice='61',
                 teacher_val_dice='', train_minutes='2', commit='b'),
            dict(method='v0', seed='0', protocol='cpu_fast', val_dice='60',
                 teacher_val_dice='55', train_minutes='1', commit=''),
            dict(method='v1', seed='1', protocol='cpu_fast', val_dice='63',
                 teacher_val_dice='', train_minutes='4', commit='a')]
    lines = val_table(rows, 'toy').splitlines()
    assert lines[0].startswith('| method (toy, validation) | protocol |')
    assert lines[2:] == [
        '| v1 | cpu_fast | 0,1 | - | 62.00 ± 1.41 | 3.00 ± 1.41 | a,b |',
        '| v0 | cpu_fast | 0 | 55.00 | 60.00 | 1.00 | ? |']


def test_no_paired_table_without_a_pair():
    rows = [dict(method='fgi', seed='0', protocol='cpu_fast', id='a',
                 dice='80')]
    assert paired_table(rows, 'toy') == ''


def test_the_plot_is_a_png_written_into_a_new_folder(tmp_path):
    rows = [dict(method='fgi', seed='0', dice='80'),
            dict(method='fgi', seed='1', dice='82'),
            dict(method='unet_gaze', seed='0', dice='70', protocol='paper')]
    path = tmp_path / 'plots' / 'toy_dice.png'
    plot_dice(rows, 'toy', str(path))
    assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert [p.name for p in path.parent.iterdir()] == ['toy_dice.png']


def test_the_released_recipe_gets_a_paired_table_of_its_own():
    rows = [dict(method=m, seed='0', protocol='cpu_fast', id=f'i{i}',
                 dice=str(d + i))
            for m, d in (('fgi_released', 70.0), ('unet_gaze', 68.0))
            for i in range(4)]
    table = paired_table(rows, 'toy', 'fgi_released')
    assert table.startswith('| FGI, released recipe (gaze + text) minus '
                            '(toy, per image) |')
    assert '| UNet (gaze) | cpu_fast | 0 | 4 | +2.00 ± 0.00 |' in table
    assert paired_table(rows, 'toy') == ''  # no `fgi` rows to pair
