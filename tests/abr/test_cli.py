import io
import json

from abr.cli import main
from abr.registry import NAMES
from tests.abr.situations import TRACES

HSDPA = TRACES / "pensieve_hsdpa_test"
VIDEO = str(TRACES / "pensieve_video")
KEYS = {"qoe_lin_mean", "qoe_lin_p5", "bitrate_kbps_mean", "rebuffer_ratio", "switches_per_min", "optimal_share"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_json_report_shape_with_the_optimum():
    traces = [str(HSDPA / "norway_bus_10"), str(HSDPA / "norway_tram_10")]
    code, out, err = run("simulate", "--traces", *traces, "--video", VIDEO, "--algorithms", "bba,robustmpc",
                         "--optimal", "--json", "--jobs", "2")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"summary", "optimal", "traces"}
    assert set(report["summary"]) == {"bba", "robustmpc"}
    for row in report["summary"].values():
        assert set(row) == KEYS
        assert 0 < row["optimal_share"] <= 1.0
    assert report["optimal"]["qoe_lin_mean"] > report["summary"]["robustmpc"]["qoe_lin_mean"]
    assert {(r["trace"], r["algorithm"]) for r in report["traces"]} == {
        (t, a) for t in ("norway_bus_10", "norway_tram_10") for a in ("bba", "robustmpc", "optimal")}
    assert "2/2 traces" in err and "1/2 traces" not in err  # not a terminal: the final line only


def test_table_plots_and_identical_results_whatever_the_workers(tmp_path):
    args = ("simulate", "--traces", str(HSDPA / "norway_bus_1"), str(HSDPA / "norway_ferry_2"),
            str(HSDPA / "norway_metro_2"), "--video", VIDEO)
    code, table, err = run(*args, "--jobs", "1", "--plots", str(tmp_path))
    assert code == 0
    for name in NAMES:
        assert any(line.startswith(name + " ") for line in table.splitlines())
    pngs = sorted(p.name for p in tmp_path.iterdir())
    assert "qoe_cdf.png" in pngs and len(pngs) >= 2
    assert all((tmp_path / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    code, again, _ = run(*args, "--jobs", "2")
    assert again == table


def test_bad_input_is_reported_not_raised(tmp_path):
    code, _, err = run("simulate", "--traces", str(HSDPA / "norway_bus_1"), "--algorithms", "rate,nope")
    assert code == 2 and "nope" in err
    bad = tmp_path / "bad"
    bad.write_text("0 1\n1 oops\n")
    code, _, err = run("simulate", "--traces", str(bad))
    assert code == 2 and f"{bad}:2:" in err


def test_each_trace_from_several_starting_points():
    code, out, err = run("simulate", "--traces", str(HSDPA / "norway_ferry_2"), "--video", VIDEO,
                         "--algorithms", "rate", "--starts", "3", "--json")
    assert code == 0 and "3/3 traces" in err
    rows = json.loads(out)["traces"]
    names = [r["trace"] for r in rows]
    assert names[0] == "norway_ferry_2" and all(n.startswith("norway_ferry_2@") for n in names[1:])
    assert len(set(names)) == 3
    assert len({r["qoe_lin"] for r in rows}) > 1  # the same trace met at other moments plays differently
    code, _, err = run("simulate", "--traces", str(HSDPA / "norway_ferry_2"), "--starts", "0")
    assert code == 2 and "at least 1" in err


def test_traces_scaled_to_a_slower_network_lower_every_algorithm():
    args = ("simulate", "--traces", str(HSDPA / "norway_bus_10"), "--video", VIDEO, "--algorithms",
            "rate,marquee", "--json")
    code, out, _ = run(*args)
    code_half, out_half, _ = run(*args, "--scale", "0.5")
    assert code == code_half == 0
    full, half = json.loads(out), json.loads(out_half)
    assert [r["trace"] for r in half["traces"]] == ["norway_bus_10x0.5"] * 2
    for name in ("rate", "marquee"):
        assert half["summary"][name]["bitrate_kbps_mean"] < full["summary"][name]["bitrate_kbps_mean"]
    code, _, err = run("simulate", "--traces", str(HSDPA / "norway_bus_10"), "--scale", "0")
    assert code == 2 and "positive number" in err


def test_the_command_line_reports_the_ceiling_beside_the_algorithms():
    traces = [str(HSDPA / "norway_bus_10"), str(HSDPA / "norway_metro_3")]
    code, out, _ = run("simulate", "--traces", *traces, "--video", VIDEO, "--algorithms", "marquee,clairvoyant",
                      "--optimal", "--json")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert set(summary) == {"marquee", "clairvoyant"}
    assert summary["marquee"]["optimal_share"] < summary["clairvoyant"]["optimal_share"] <= 1.0


def test_timelines_are_drawn_for_the_traces_named(tmp_path):
    args = ("simulate", "--traces", str(HSDPA / "norway_bus_1"), str(HSDPA / "norway_ferry_2"),
            str(HSDPA / "norway_metro_2"), "--video", VIDEO, "--algorithms", "rate,marquee", "--starts", "2")
    code, _, err = run(*args, "--plots", str(tmp_path), "--plot-traces", "norway_metro_2,norway_bus_1@84.46s")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "qoe_cdf.png", "trace_norway_bus_1_84.46s.png", "trace_norway_metro_2.png"]

    code, _, err = run(*args, "--plots", str(tmp_path / "typo"), "--plot-traces", "norway_metro_9")
    assert code == 2 and "norway_metro_9" in err and "norway_bus_1" in err
    assert err.startswith("marquee abr:") and not (tmp_path / "typo").exists()  # refused before simulating
    code, _, err = run(*args, "--plot-traces", "norway_metro_2")
    assert code == 2 and "--plots" in err
