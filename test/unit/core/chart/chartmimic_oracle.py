"""Batch oracle for the ChartMimic reward tests (test/unit/core/chart/chartmimic.oracle.test.ts).

Reads one JSON object {"cases": [{"kind": ..., ...}, ...]} on stdin and writes {"results": [...]} on stdout, one
result per case, computed by ChartMimic's own code from ../shared/oracles (run with Debian's Python and
PYTHONPATH=../shared/oracles):
  pair    cm_color_utils.calculate_similarity_single and colormath's delta_e_cie2000 on cm_color_utils.rgb_to_lab
  filter  cm_color_utils.filter_color
  color   ColorEvaluator._calculate_metrics as ChartMimic runs it: the logging suffix merges a chart's colours with
          filter_color when more than 10 are drawn, then group_color per chart type and, per type, the maximum over
          permutations of summed calculate_similarity_single (the evaluator's own search); color_evaluator.py itself
          is not among the oracles, so this step is written here from its published source
  text    TextEvaluator(use_position=False, use_axs=False)._calculate_metrics
  type    ChartTypeEvaluator()._calculate_metrics (a fresh evaluator per case)
  layout  LayoutEvaluator()._calculate_metrics
"""
import importlib.util
import itertools
import json
import os
import sys
import tempfile
import types

ORACLES = os.environ.get("CHARTMIMIC_ORACLES") or next(p for p in sys.path if os.path.isfile(os.path.join(p, "cm_color_utils.py")))
EVALUATORS = os.path.join(ORACLES, "refsrc", "chartmimic", "chart2code", "utils", "evaluator")

# The evaluator modules import python-dotenv, matplotlib and ChartMimic's eval_configs at module level for the parts
# that run chart code; the metric methods used here need none of them.
os.environ.setdefault("PROJECT_PATH", tempfile.gettempdir())
for name in ("dotenv", "eval_configs", "eval_configs.global_config", "matplotlib", "matplotlib.pyplot"):
    mod = types.ModuleType(name)
    mod.load_dotenv = lambda *a, **k: None
    sys.modules.setdefault(name, mod)
sys.modules["eval_configs"].global_config = sys.modules["eval_configs.global_config"]
sys.modules["matplotlib"].pyplot = sys.modules["matplotlib.pyplot"]

import cm_color_utils as cu  # noqa: E402
from colormath.color_diff import delta_e_cie2000  # noqa: E402


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EVALUATORS, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


text_evaluator = load("text_evaluator")
chart_type_evaluator = load("chart_type_evaluator")
layout_evaluator = load("layout_evaluator")


def logged_colors(colors):
    # color_evaluator.py's logging suffix: `if len(drawed_colors) > 10: drawed_colors = filter_color(drawed_colors)`
    return cu.filter_color(colors) if len(colors) > 10 else list(colors)


def color_metrics(generation_colors, golden_colors):
    # ColorEvaluator._calculate_metrics (ChartMimic chart2code/utils/evaluator/color_evaluator.py).
    metrics = {"precision": 0, "recall": 0, "f1": 0}
    if len(generation_colors) == 0 or len(golden_colors) == 0:
        return metrics
    gen = cu.group_color(generation_colors)
    gold = cu.group_color(golden_colors)

    def best(lst1, lst2):
        if len(lst1) == 0 or len(lst2) == 0:
            return 0
        shorter, longer = (lst1, lst2) if len(lst1) <= len(lst2) else (lst2, lst1)
        # calculate_similarity_single per pair once, then the evaluator's search over permutations of the longer list
        sim = {(a, b): cu.calculate_similarity_single(a, b) for a in set(shorter) for b in set(longer)}
        return max(sum(sim[(c1, c2)] for c1, c2 in zip(shorter, perm)) for perm in itertools.permutations(longer, len(shorter)))

    total = 0
    for t in set(list(gen.keys()) + list(gold.keys())):
        total += best(gen.get(t, []), gold.get(t, []))
    metrics["precision"] = total / len(generation_colors)
    metrics["recall"] = total / len(golden_colors)
    p, r = metrics["precision"], metrics["recall"]
    metrics["f1"] = 0 if p + r == 0 else 2 * p * r / (p + r)
    return metrics


def run(case):
    kind = case["kind"]
    if kind == "pair":
        a, b = case["a"], case["b"]
        out = {"sim": cu.calculate_similarity_single(a, b)}
        if a.startswith("#") and b.startswith("#"):
            out["de"] = float(delta_e_cie2000(cu.rgb_to_lab(cu.hex_to_rgb(a)), cu.rgb_to_lab(cu.hex_to_rgb(b))))
        return out
    if kind == "filter":
        return {"kept": cu.filter_color(case["colors"])}
    if kind == "color":
        return color_metrics(logged_colors(case["gen"]), logged_colors(case["gold"]))
    if kind == "text":
        ev = text_evaluator.TextEvaluator(use_position=False, use_axs=False)
        ev._calculate_metrics([(0, 0, 0, 0, s) for s in case["gen"]], [(0, 0, 0, 0, s) for s in case["gold"]])
        return ev.metrics
    if kind == "type":
        ev = chart_type_evaluator.ChartTypeEvaluator()
        ev.golden_code_file = "case"
        ev._calculate_metrics(dict(case["gen"]), dict(case["gold"]))
        return ev.metrics
    if kind == "layout":
        ev = layout_evaluator.LayoutEvaluator()
        ev._calculate_metrics([dict(x) for x in case["gen"]], [dict(x) for x in case["gold"]])
        return ev.metrics
    raise ValueError("unknown case kind " + kind)


def main():
    cases = json.load(sys.stdin)["cases"]
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # the evaluators print (e.g. on an empty gold dict): not on stdout
    out = []
    try:
        for c in cases:
            try:
                out.append(run(c))
            except Exception as e:  # reported per case, so one odd case does not hide the others
                out.append({"error": "%s: %s" % (type(e).__name__, e)})
    finally:
        sys.stdout = real_stdout
    json.dump({"results": out}, sys.stdout)


if __name__ == "__main__":
    main()
