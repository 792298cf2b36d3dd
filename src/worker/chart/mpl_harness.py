"""Reward Lens: run one untrusted matplotlib candidate headless (Agg) and trace what it draws.

    /usr/bin/python3 -I mpl_harness.py CANDIDATE.py OUT.png    -> one JSON object on the last stdout line

Started by src/worker/chart/matplotlib.ts inside prlimit (memory, CPU, file size, open files) and
`unshare -rnmpf --kill-child` (no network; a private mount namespace where sandbox_fs, with src/worker/sandbox_exec.py,
makes every mount read-only but the temp dir and covers the user's home, workspace and /run with empty folders; a
PID namespace), in a fresh temp dir with a cleared environment; killed by process group on timeout. The audit hook
below is defence in depth only, not the boundary.

Tracing follows ChartMimic (chart2code/utils/evaluator): texts from the renderer's draw_text, chart types and colours
from wrapped Axes plotting calls, layout from each axes' subplot spec. Names are mapped onto the vocabulary of the
Vega scene reader (src/worker/chart/scene.ts) so both kinds of candidates are scored alike.
"""
import json, os, sys, time

os.environ["MPLBACKEND"] = "Agg"
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.colors as mcolors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.collections import Collection
from matplotlib.container import Container

TYPES = {
    "bar": "bar", "barh": "bar", "hist": "bar", "broken_barh": "bar",
    "plot": "line", "step": "line", "semilogx": "line", "semilogy": "line", "loglog": "line", "stairs": "line",
    "scatter": "point", "stem": "point",
    "fill_between": "area", "fill_betweenx": "area", "stackplot": "area", "fill": "area",
    "pie": "arc",
    "imshow": "rect", "pcolormesh": "rect", "pcolor": "rect", "matshow": "rect", "hexbin": "rect",
    "boxplot": "boxplot", "violinplot": "boxplot", "errorbar": "errorbar",
    "axhline": "rule", "axvline": "rule", "hlines": "rule", "vlines": "rule", "axhspan": "rect", "axvspan": "rect",
    "contour": "contour", "contourf": "contour", "quiver": "other", "text": "text", "annotate": "text",
}
MAX_NUMBERS = 5000

def hexc(c):
    try:
        if c is None: return None
        rgba = mcolors.to_rgba(c)
        if rgba[3] == 0: return None
        return mcolors.to_hex(rgba, keep_alpha=False).lower()
    except Exception:
        return None

def artists(obj, depth=0):
    if depth > 4: return
    if isinstance(obj, (Line2D, Patch, Collection)): yield obj
    elif isinstance(obj, (Container, list, tuple)):
        for o in obj: yield from artists(o, depth + 1)
    elif isinstance(obj, dict):
        for o in obj.values(): yield from artists(o, depth + 1)

def numbers_of(x, out, depth=0):
    if len(out) >= MAX_NUMBERS or depth > 3: return
    if isinstance(x, bool): return
    if isinstance(x, (int, float)):
        if x == x and abs(x) != float("inf"): out.add(float("%.4g" % x))
        return
    try:
        import numpy as np
        if isinstance(x, np.ndarray):
            if x.dtype.kind in "iuf":
                for v in x.ravel()[:MAX_NUMBERS].tolist(): numbers_of(v, out, depth + 1)
            return
        if isinstance(x, np.generic): return numbers_of(x.item(), out, depth)
    except Exception:
        pass
    if isinstance(x, (list, tuple)):
        for v in x[:MAX_NUMBERS]: numbers_of(v, out, depth + 1)

def instrument(log):
    busy = [False]
    def wrap(name, fn):
        def wrapper(*a, **k):
            if busy[0]: return fn(*a, **k)       # hist -> bar, boxplot -> plot: count the outer call only
            busy[0] = True
            try:
                res = fn(*a, **k)
                kind = TYPES.get(name, "other")
                log["types"].append(kind)
                for v in a[1:]: numbers_of(v, log["_numbers"])
                n = 0
                for art in artists(res):
                    n += 1
                    if isinstance(art, Line2D): cols = [art.get_color()]
                    elif isinstance(art, Patch): cols = [art.get_facecolor()]
                    else:
                        if art.get_array() is not None and art.get_cmap() is not None:
                            log["_colors"].add(kind + "--cmap:" + art.get_cmap().name); cols = []
                        else:
                            fc = art.get_facecolor()
                            cols = list(fc[:50]) if len(fc) else list(art.get_edgecolor()[:50])
                    for c in cols:
                        h = hexc(c)
                        if h: log["_colors"].add(kind + "--" + h)
                log["markCounts"][kind] = log["markCounts"].get(kind, 0) + max(n, 1)
                return res
            finally:
                busy[0] = False
        return wrapper
    for m in TYPES:
        if hasattr(Axes, m): setattr(Axes, m, wrap(m, getattr(Axes, m)))
    orig = RendererAgg.draw_text
    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if log["_tracing"] and s:                   # logged as drawn (ChartMimic logs every draw_text)
            log["texts"][role_of(mtext)].append(str(s))
        return orig(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
    RendererAgg.draw_text = draw_text
    Figure.savefig = lambda self, *a, **k: None     # the candidate writes no files
    plt.show = lambda *a, **k: None

def role_of(t):
    if t is None: return "other"
    fig = getattr(t, "figure", None)
    if fig is None: return "other"
    if t is getattr(fig, "_suptitle", None): return "title"
    for lg in list(getattr(fig, "legends", [])) + [ax.get_legend() for ax in fig.axes]:
        if lg is None: continue
        if t is lg.get_title(): return "legendTitle"
        if any(t is lt for lt in lg.get_texts()): return "legendLabel"
    for ax in fig.axes:      # axis labels and tick labels do not always know their axes
        if any(t is x for x in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None))): return "title"
        if t is ax.xaxis.label or t is ax.yaxis.label: return "axisTitle"
        for axis in (ax.xaxis, ax.yaxis):
            for tick in list(axis.majorTicks) + list(axis.minorTicks):
                if t is tick.label1 or t is tick.label2: return "axisLabel"
    return "other"

def layout(fig):
    out = []
    for ax in fig.axes:
        spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
        if spec is None: continue                   # colorbars, insets
        nr, nc = spec.get_gridspec().get_geometry()
        out.append(dict(nrows=nr, ncols=nc, row0=spec.rowspan.start, row1=spec.rowspan.stop - 1,
                        col0=spec.colspan.start, col1=spec.colspan.stop - 1))
    return out

def load_sandbox(path):
    """src/worker/sandbox_exec.py, the file-system sandbox shared with the patch tests, loaded by path (-I keeps this
    script's folder off sys.path)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("reward_lens_sandbox", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def sandbox_fs(sandbox_path, workdir, paths):
    """Inside the private user+mount namespace made by `unshare -rnmpf` (matplotlib.ts): every mount read-only but the
    work folder, so that no code of the candidate (nor a process it starts past the audit hook) writes, renames or
    deletes a file of the user's; then an empty read-only folder over each of `paths` (the user's home, the
    workspace, /run), so that it cannot read their files into its chart (and so into the preference log), nor reach
    their sockets. A folder holding the work folder, or anything Python loads from (a Python installed under the home
    folder), stays visible. Fails closed: the caller does not run the candidate when this raises. Returns the folders
    hidden."""
    sb = load_sandbox(sandbox_path)
    sb.read_only_except([workdir])
    def inside(child, parent):
        return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)
    needed = [workdir, os.path.realpath(os.environ.get("MPLCONFIGDIR", workdir)), os.path.realpath(sys.executable),
              os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix), os.path.realpath(matplotlib.get_data_path())]
    needed += [os.path.realpath(p) for p in sys.path if p]
    hidden = []
    for p in sorted(set(os.path.realpath(p) for p in paths if p)):
        if p == os.sep or not os.path.isdir(p) or any(inside(n, p) for n in needed): continue
        sb.hide(p)
        hidden.append(p)
    return hidden

def install_guards(workdir):
    allowed = [os.path.realpath(workdir), os.path.realpath(os.environ.get("MPLCONFIGDIR", workdir))]
    W = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    def hook(event, args):
        if event.startswith("socket.") and event != "socket.__new__":
            raise PermissionError("sandbox: network disabled (%s)" % event)
        if event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "ctypes.dlopen"):
            raise PermissionError("sandbox: %s disabled" % event)
        if event == "open" and args[0] is not None and not isinstance(args[0], int):
            mode, flags = args[1] or "", args[2] or 0
            if any(ch in str(mode) for ch in "wax+") or flags & W:
                p = os.path.realpath(os.fsdecode(args[0]))
                if not any(p == d or p.startswith(d + os.sep) for d in allowed):
                    raise PermissionError("sandbox: write outside the work folder denied: %s" % p)
    sys.addaudithook(hook)

REAL_SAVEFIG = Figure.savefig

def run(code_path, out_png, dpi=100, sandbox=None, hide=()):
    log = {"ok": False, "types": [], "markCounts": {}, "_colors": set(), "_numbers": set(), "_tracing": False,
           "texts": {"title": [], "axisTitle": [], "axisLabel": [], "legendTitle": [], "legendLabel": [], "other": []},
           "layout": [], "layoutFacts": []}
    instrument(log)
    workdir = os.path.dirname(os.path.abspath(out_png))
    os.chdir(workdir)
    with open(code_path) as f: src = f.read()
    hidden = []
    if sandbox:
        try:
            hidden = sandbox_fs(sandbox, os.path.realpath(workdir), hide)
        except Exception as e:
            return {"ok": False, "error": "sandbox: cannot make the file system read-only (%s)" % e}
    install_guards(workdir)
    t = time.perf_counter()
    try:
        exec(compile(src, "candidate.py", "exec"), {"__name__": "__main__"})
        if not plt.get_fignums(): raise RuntimeError("the candidate created no figure")
        fig = plt.gcf()
        log["_tracing"] = True
        REAL_SAVEFIG(fig, out_png, dpi=dpi, format="png", facecolor="white")
        log["_tracing"] = False
        log["layout"] = layout(fig)
        nleg = len(getattr(fig, "legends", [])) + sum(1 for ax in fig.axes if ax.get_legend() is not None)
        if nleg: log["layoutFacts"].append("legends:%d" % nleg)
        log["width"], log["height"] = [int(v * dpi) for v in fig.get_size_inches()]
        log["ok"] = True
    except BaseException as e:  # SystemExit too
        import traceback
        tb = traceback.extract_tb(e.__traceback__)
        line = next((fr.lineno for fr in reversed(tb) if fr.filename == "candidate.py"), None)
        log["error"] = "%s: %s%s" % (type(e).__name__, e, " (candidate.py line %d)" % line if line else "")
    log["colors"] = sorted(log.pop("_colors"))
    log["numbers"] = sorted(log.pop("_numbers"))
    log.pop("_tracing")
    log["execS"] = round(time.perf_counter() - t, 3)
    log["hidden"] = hidden
    return log

if __name__ == "__main__":
    rest = sys.argv[3:]
    opt = lambda name: [rest[i + 1] for i, a in enumerate(rest[:-1]) if a == name]
    sandbox = opt("--sandbox")
    print(json.dumps(run(sys.argv[1], sys.argv[2], sandbox=sandbox[0] if sandbox else None, hide=opt("--hide"))), flush=True)
