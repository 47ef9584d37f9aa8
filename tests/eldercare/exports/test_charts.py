

def test_a_level_with_nothing_scored_draws_no_bar_and_no_error():
    """A level whose points are unknown (NaN: nothing scored) is left without a bar, never drawn as 0 or an error."""
    from eldercare.exports.charts import bar_chart
    svg = bar_chart("scores", "t", ["产出", "效益"], {"得分": [12.5, float("nan")], "满分": [20.0, 30.0]})
    assert svg.count("<rect") >= 3 and "nan" not in svg.lower()
