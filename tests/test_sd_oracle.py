"""loopkit's equation signs against Simlin's (pysimlin, a test-only dependency).

Over every model in ../shared/data/sd-models/test-models/ and World3: where
both sign a link they agree, loopkit signs at least as many links, and every
link Simlin signs or has that loopkit does not is explained here, one reason
per case (the test fails on a new, unexplained difference).
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import SHARED_DATA

simlin = pytest.importorskip("simlin")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from sd_oracle import Comparison, compare, models  # noqa: E402

if not (SHARED_DATA / "sd-models").is_dir():
    pytest.skip("../shared/data/sd-models is not here", allow_module_level=True)

#: Links Simlin signs and loopkit leaves '?', and why loopkit is right or more careful.
SIGNED_BY_SIMLIN_ONLY: dict[tuple[str, str, str], str] = {
    ("tests/arithmetics/test_arithmetics.mdl", "time3", "product"):
        "product[sub1] rises with time3, product[sub2] falls: elements disagree",
    ("tests/arithmetics_exp/test_arithmetics_exp.mdl", "time3", "product"):
        "product's elements have opposite signs in time3",
    ("tests/log/test_log.mdl", "base", "log test"):
        "LOG(x, base) falls with the base only where x > 1",
    ("tests/subscript_mapping_simple/test_subscript_mapping_simple.mdl", "aging", "population"):
        "aging[PREVIOUS COHORT] fills a cohort and aging[ALL BUT YOUNGEST] drains it",
    ("tests/subscript_mapping_vensim/test_subscript_mapping_vensim.mdl", "aging", "population"):
        "aging of the cohort before fills a cohort, its own aging drains it",
    ("tests/subscript_transposition/test_subscript_transposition.mdl", "input", "output"):
        "io matrix has negative entries (-1, -3, -5), so the product's sign is not known",
    ("tests/subscript_transposition/test_subscript_transposition.mdl", "input", "output2"):
        "io matrix has negative entries (-1, -3, -5), so the product's sign is not known",
    ("tests/subscripted_if_then_else/test_subscripted_if_then_else.mdl", "scalar1",
     "if then else s s s"):
        "IF THEN ELSE(scalar1 > 0, scalar1, scalar1 + 1) jumps down at 0: not monotone",
    **{("samples/bpowers-hares_and_lynxes_modules/model.stmx", s, t): "Simlin links whole "
       "modules; loopkit links the variables inside them (MODULE_LINKS)"
       for s, t in (("lynxes", "hares"), ("area", "hares"), ("hares", "lynxes"))},
}

#: Simlin's links between whole modules (named like the stocks inside them), and the link
#: between the modules' variables that loopkit has instead.
MODULE_LINKS = {
    ("area", "hares"): ("area", "hare density"),
    ("size of one time lynx harvest", "lynxes"): ("size of one time lynx harvest", "harvest"),
    ("lynxes", "hares"): ("lynxes", "deaths (hares)"),
    ("hares", "lynxes"): ("hare density", "death fraction"),
}


@cache
def comparisons() -> list[Comparison]:
    return [compare(path) for path in models()]


def name(c: Comparison) -> str:
    return c.path.relative_to(SHARED_DATA / "sd-models" / "test-models").as_posix() \
        if "test-models" in c.path.parts else c.path.name


def test_where_both_sign_a_link_they_agree() -> None:
    found = [(name(c), link, ours, theirs) for c in comparisons()
             for link, ours, theirs in c.disagreements()]
    assert found == []


def test_loopkit_signs_at_least_as_many_links_and_explains_each_simlin_only_sign() -> None:
    both = [c for c in comparisons() if c.theirs is not None and not c.error]
    assert len(both) >= 250
    assert sum(c.signed for c in both) >= sum(c.simlin_signed for c in both)
    unexplained = [(name(c), *link) for c in both for link in c.only_simlin_signs()
                   if (name(c), *link) not in SIGNED_BY_SIMLIN_ONLY]
    assert unexplained == []
    used = {(name(c), *link) for c in both for link in c.only_simlin_signs()}
    assert set(SIGNED_BY_SIMLIN_ONLY) <= used  # no stale explanation


def test_links_only_simlin_has_are_initial_values_self_links_or_subscript_elements() -> None:
    from loopkit.interop import import_text, read_source

    for c in comparisons():
        missing = [link for link in c.only_simlin_has() if c.ours.get(link) is None]
        if "modules" in c.path.parent.name:
            assert set(missing) <= set(MODULE_LINKS), (name(c), missing)
            assert all(MODULE_LINKS[link] in c.ours for link in missing)
            continue
        if not missing or c.error or c.theirs is None:
            continue
        text, filename, _ = read_source(str(c.path))
        kept = import_text(text, filename, keep_initial=True).diagram
        labels = {v.id: v.label.lower().replace("_", " ") for v in kept.variables}
        names = {" ".join(label.split()) for label in labels.values()}
        with_initial = {(" ".join(labels[lk.source].split()),
                         " ".join(labels[lk.target].split())) for lk in kept.links}
        for source, target in missing:
            if source == target:
                continue  # Simlin links SAMPLE IF TRUE's previous value to itself
            if source not in names:
                continue  # a subscript range or element (b, c, subrange of dim1): not a variable
            assert (source, target) in with_initial, (name(c), source, target)


def test_world3_targets() -> None:
    world3 = next(c for c in comparisons() if c.path.name == "wrld3-03.mdl")
    assert world3.signed >= 298
    assert world3.disagreements() == [] and world3.only_simlin_signs() == []


#: The links left '?' on World3's loops (up to 12 links), and why no sign is honest.
WORLD3_UNSIGNED_ON_LOOPS = {
    ("fertility_control_effectiveness", "total_fertility"):
        "-mtf + dtf: depends on which fertility is larger",
    ("resource_usage_rate", "resource_technology_change_rate"):
        "its table is flat ((-1,0),(0,0)): no effect to sign",
    ("persistent_pollution_index", "persistent_pollution_technology_change"):
        "its table is flat ((-1,0),(0,0)): no effect to sign",
    ("food_ratio", "land_yield_technology_change_rate"):
        "its table is flat ((0,0),(1,0)): no effect to sign",
    ("land_life_multiplier_from_land_yield_2", "land_life_multiplier_from_land_yield_4"):
        "(1 - 0.95 ^ ((Time - t) / one year)): the sign is not settled",
}


def test_world3_loops_typed_and_every_undetermined_loop_explained() -> None:
    from loopkit.analysis.loops import analyse_loops
    from loopkit.interop import import_text, read_source

    text, filename, _ = read_source(str(SHARED_DATA / "sd-models/world3/wrld3-03.mdl"))
    strict = import_text(text, filename, lookup_signs="strict").diagram
    counted = analyse_loops(strict, max_length=12, limit=100_000, time_budget=120).summary
    # Before equation signs: all 281 undetermined. Monotone lookups only: 87 R, 143 B, 51
    # undetermined (82 % typed); 43 of the 51 pass through the crowding multiplier's table.
    assert (counted["reinforcing"], counted["balancing"], counted["undetermined"]) == \
        (87, 143, 51)
    imported = import_text(text, filename)
    diagram = imported.diagram
    assert any(n.startswith("55 arrows from a lookup table to the variable that uses it")
               for n in imported.notes)
    assert any(n.startswith("2 links signed through a lookup that is not monotone, by its "
                            "slope where the model starts") for n in imported.notes)
    found = analyse_loops(diagram, max_length=12, limit=100_000, time_budget=120)
    summary = found.summary
    # The default (--lookup-signs initial) signs IOPC -> crowding multiplier where World3
    # starts (IOPC 41.56, the table falls over 0..400): 106 R, 167 B, 8 undetermined (97 %).
    assert summary["total"] == len(found.loops) == 281
    assert (summary["reinforcing"], summary["balancing"], summary["undetermined"]) == \
        (106, 167, 8)
    assert summary["reinforcing"] + summary["balancing"] >= 0.9 * summary["total"]
    unsigned = {lk.key for lk in diagram.links if lk.polarity.value == "?"}
    for loop in found.loops:
        ring = list(zip(loop.variables, (*loop.variables[1:], loop.variables[0]), strict=True))
        on_loop = unsigned.intersection(ring)
        assert set(on_loop) <= set(WORLD3_UNSIGNED_ON_LOOPS), on_loop


def test_world3_lookup_signed_at_the_start_holds_over_the_standard_run() -> None:
    """The initial-state sign of IOPC -> crowding multiplier is no accident of 1900:
    Simlin's simulation of the standard run keeps IOPC inside the table's falling part
    (0..400, the run loopkit reports in the link's description) from 1900 to 2100."""
    import re
    import warnings

    from loopkit.interop import import_text, read_source

    path = SHARED_DATA / "sd-models/world3/wrld3-03.mdl"
    text, filename, _ = read_source(str(path))
    link = next(lk for lk in import_text(text, filename).diagram.links
                if lk.key == ("industrial_output_per_capita", "crowding_multiplier_from_industry"))
    assert link.polarity.value == "-" and link.description is not None
    found = re.search(r"starts at ([\d.]+), where the table falls \(over x from ([\d.]+) to "
                      r"([\d.]+)\)", link.description)
    assert found is not None
    start, low, high = (float(v) for v in found.groups())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iopc = simlin.load(path).run().results["industrial_output_per_capita"]
    assert iopc.iloc[0] == pytest.approx(start, rel=1e-3)
    assert low <= iopc.min() and iopc.max() <= high  # 15.7 .. 367.3 with pysimlin 0.8.5


#: Builtins Simlin expands into hidden modules of its own: it links their inputs to the
#: module's internal variables, not to the variable that calls them.
SIMLIN_MODULE_BUILTINS = ("DELAY N", "SMOOTH N", "FORECAST", "GAME", "SAMPLE IF TRUE",
                          "DELAY1", "DELAY3", "SMOOTH3", "TREND")
#: Models with links loopkit has and Simlin lacks that the rules below do not cover.
LOOPKIT_ONLY_LINKS = {
    "tests/logicals/test_logicals.stmx":
        "'IF false_input not THEN' does not parse: the drawn connector is kept",
    "tests/get_data_args_3d_xls/test_get_data_args_3d_xls.mdl":
        "a drawn arrow from a data lookup read from a spreadsheet",
    "tests/subscript_aggregation/test_subscript_aggregation.mdl":
        "PROD over a subscript: Simlin drops the reduced array's link",
    "tests/special_characters/test_special_variable_names.mdl":
        'Simlin leaves out the link from the variable named with escaped quotes (\\"Quotes\\")',
    "tests/vector_select/test_vector_select.mdl":
        "71 drawn arrows the VECTOR SELECT equations do not use, kept as drawn (?)",
}


def _pattern(label: str) -> str:
    return r"[\s_]+".join(re.escape(w) for w in label.split())


def _is_table(text: str, label: str) -> bool:
    """Vensim ``name(`` lookup definition, or an XMILE ``<gf name=...>``."""
    words = _pattern(label)
    return bool(re.search(rf'(?im)^\s*"?{words}"?\s*(\[[^\]]*\])?\s*\(', text) or
                re.search(rf'(?i)<gf\b[^>]*name="{words}"', text) or
                re.search(rf'(?is)<aux\b[^>]*name="{words}"[^>]*>(?:(?!</aux>).)*<gf', text))


def _uses_module_builtin(text: str, label: str) -> bool:
    found = re.search(rf'(?ims)^\s*"?{_pattern(label)}"?\s*(\[[^\]]*\])?\s*=([^~]*)', text)
    return bool(found) and any(re.search(rf"\b{f}\s*\(", found.group(2), re.I)
                               for f in SIMLIN_MODULE_BUILTINS)


def test_links_only_loopkit_has_are_explained() -> None:
    """Every link loopkit has and Simlin lacks, where Simlin read the model, has a reason:
    Simlin leaves out simulation control and Time, drawn arrows from lookup tables, and
    the inputs of builtins it turns into hidden modules; modules are linked whole; the
    rest is named per model in LOOPKIT_ONLY_LINKS."""
    control = {"time", "time step", "saveper", "initial time", "final time", "dt"}
    unexplained: dict[str, list[tuple[str, str]]] = {}
    for c in comparisons():
        if c.error or not c.theirs or "modules" in c.path.parent.name:
            continue  # Simlin read nothing (e.g. Stella 10 files), or whole modules
        text = c.path.read_text(encoding="utf-8", errors="replace")
        for source, target in c.ours:
            if (source, target) in c.theirs or control & {source, target}:
                continue
            if _is_table(text, source) or _uses_module_builtin(text, target):
                continue
            unexplained.setdefault(name(c), []).append((source, target))
    assert set(unexplained) == set(LOOPKIT_ONLY_LINKS), unexplained


#: Initial values loopkit computes and Simlin's run starts elsewhere, and why.
INITIAL_VALUE_DIFFERENCES = {
    ("tests/delay_fixed/test_delay_fixed.mdl", "dt2"):
        "DELAY FIXED with a delay time of 0 at the start: Vensim gives the initial value "
        "(4); Simlin gives NaN",
}


def test_initial_values_agree_with_simlins_first_step() -> None:
    """The values --lookup-signs initial reads (loopkit's own evaluation at the initial
    time) are Simlin's at its first step, in every Vensim and XMILE model Simlin runs."""
    import math
    import warnings

    from loopkit.interop import vensim, xmile
    from loopkit.problems import LoopkitError

    compared, differ = 0, {}
    for path in models():
        reader = vensim if path.suffix.lower() == ".mdl" else xmile \
            if path.suffix.lower() in (".xmile", ".stmx", ".itmx") else None
        if reader is None:
            continue
        try:
            found = reader.initial_values(path.read_text(encoding="utf-8", errors="replace"))
        except LoopkitError:  # the two files with an unclosed XML tag
            continue
        ours = {re.sub(r"[\s_]+", " ", k).strip(): v for k, v in found.items()}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = simlin.load(path).run().results
        except Exception:  # Simlin cannot run it (data files, unsupported functions)
            continue
        first = {re.sub(r"[\s_]+", " ", c).strip().lower(): float(results[c].iloc[0])
                 for c in results.columns}
        for key, value in ours.items():
            if value is None or key not in first:
                continue
            compared += 1
            if not math.isclose(value, first[key], rel_tol=1e-6, abs_tol=1e-9):
                differ[(path.relative_to(SHARED_DATA / "sd-models" / "test-models").as_posix()
                        if "test-models" in path.parts else path.name, key)] = (value, first[key])
    assert compared >= 1000  # World3 alone: 256
    assert set(differ) == set(INITIAL_VALUE_DIFFERENCES), differ
