"""Notebook 06's search figures and playground, on top of :mod:`dlhelpers.experiments.search_demos`."""
import math

import matplotlib.pyplot as plt
import numpy as np

from .. import search
from ..experiments.search_demos import (important_part, make_trial, score_standard_error)
from ..parallel import trial_rng
from ..playground_result import PlaygroundResult
from ..plotting import DIVERGED_COLOR, PALETTE, GHOST_STYLE
from ..spaces import log_grid, sample_space


def _ok_and_diverged(trials):
    ok = [t for t in trials if not (isinstance(t.result, dict) and t.result.get("diverged"))]
    return ok, [t for t in trials if t not in ok]


def draw_search_scatter(rounds, ax=None, top_k=5, pick=None, title=None, ghost=None):
    """Validation accuracy (colour) over lr (x) and weight decay (y), log axes.

    rounds : list of SearchResult (e.g. coarse and fine); each round gets its own marker and
    its searched range drawn as a dashed rectangle; the ``top_k`` best of all rounds are ringed.
    Diverged trials are drawn as red crosses. A round searched with a fixed weight decay is drawn
    at that value. pick : optional Trial drawn as a star (the playground's hand-picked run).
    ghost : optional SearchResult drawn as faint grey dots (the playground's previous search).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    markers = ["o", "s", "^", "D", "v"]
    vmin, vmax = 0.0, 1.0
    handles = []
    scatter = None
    all_trials = []
    if ghost is not None:
        ax.scatter(ghost.values("lr"), ghost.values("weight_decay_lambda"), s=22, color=GHOST_STYLE["color"],
                   alpha=0.6, edgecolors="none", zorder=1)
        handles.append(Line2D([], [], linestyle="none", marker="o", color=GHOST_STYLE["color"], label="previous search"))
    for r, result in enumerate(rounds):
        ok, bad = _ok_and_diverged(result.trials)
        m = markers[r % len(markers)]
        if ok:
            scatter = ax.scatter([t.params["lr"] for t in ok], [t.params["weight_decay_lambda"] for t in ok],
                                 c=[t.score for t in ok], cmap="viridis", vmin=vmin, vmax=vmax, s=28,
                                 marker=m, edgecolors="none", zorder=2)
        if bad:
            ax.scatter([t.params["lr"] for t in bad], [t.params["weight_decay_lambda"] for t in bad],
                       marker="x", color=DIVERGED_COLOR, s=30, zorder=3)
        name = f"round {r + 1}: {len(result)} trials" if len(rounds) > 1 else f"{len(result)} trials"
        # legend entries in neutral grey: the colour of a dot is its accuracy, not its round
        handles.append(Line2D([], [], linestyle="none", marker=m, color="0.45", markersize=6, label=name))
        if result.ranges and "lr" in result.ranges:
            l0, l1 = result.ranges["lr"]
            if "weight_decay_lambda" in result.ranges:
                w0, w1 = result.ranges["weight_decay_lambda"]
            else:
                w = result.trials[0].params["weight_decay_lambda"]
                w0, w1 = w / 2.0, w * 2.0   # a fixed λ: a visible band, not a line
            ax.add_patch(Rectangle((l0, w0), l1 - l0, w1 - w0, fill=False, linestyle="--",
                                   edgecolor=PALETTE[r % len(PALETTE)], linewidth=1.2))
        all_trials += result.trials
    if any(isinstance(t.result, dict) and t.result.get("diverged") for t in all_trials):
        handles.append(Line2D([], [], linestyle="none", marker="x", color=DIVERGED_COLOR, label="diverged"))
    best = sorted(all_trials, key=lambda t: -np.nan_to_num(t.score, nan=-1))[:top_k]
    # the best ringed large, the next ones small, so that close neighbours do not merge into a smear
    ax.scatter([t.params["lr"] for t in best[1:]], [t.params["weight_decay_lambda"] for t in best[1:]], s=55,
               facecolors="none", edgecolors="black", linewidths=0.9, zorder=4)
    if best:
        ax.scatter([best[0].params["lr"]], [best[0].params["weight_decay_lambda"]], s=150,
                   facecolors="none", edgecolors="black", linewidths=1.8, zorder=4)
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=10, markerfacecolor="none",
                          markeredgecolor="black", markeredgewidth=1.8, label="best"))
    if top_k > 1:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=6, markerfacecolor="none",
                              markeredgecolor="black", label=f"next {top_k - 1}"))
    if pick is not None:
        pick_bad = isinstance(pick.result, dict) and pick.result.get("diverged")
        ax.scatter([pick.params["lr"]], [pick.params["weight_decay_lambda"]], marker="*", s=260,
                   c=[DIVERGED_COLOR if pick_bad else plt.get_cmap("viridis")(pick.score)],
                   edgecolors="#D55E00", linewidths=1.5, zorder=5)
        handles.append(Line2D([], [], linestyle="none", marker="*", markersize=12, color="#D55E00",
                              label="your pick: diverged" if pick_bad else f"your pick ({pick.score:.2f})"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="learning rate", ylabel="weight decay λ")
    # the legend sits in a framed row above the axes, where it hides no trial; the title above it
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncol=min(len(handles), 3),
              fontsize=9, frameon=True, framealpha=1.0, borderaxespad=0.0, handletextpad=0.3,
              columnspacing=1.0)
    nrows = int(np.ceil(len(handles) / 3))
    ax.set_title(title or "Validation accuracy of each trial (colour)", pad=12 + 17 * nrows)
    if scatter is not None:
        ax.figure.colorbar(scatter, ax=ax, label="validation accuracy", pad=0.02)
    return ax


def draw_accuracy_vs_lr(rounds, ax=None, ghost=None):
    """Validation accuracy against learning rate for every trial; diverged trials as red crosses."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    if ghost is not None:
        ax.scatter(ghost.values("lr"), ghost.scores, s=14, color=GHOST_STYLE["color"], alpha=0.6, label="previous")
    any_bad = False
    for r, result in enumerate(rounds):
        ok, bad = _ok_and_diverged(result.trials)
        ax.scatter([t.params["lr"] for t in ok], [t.score for t in ok], s=14, color=PALETTE[r % len(PALETTE)],
                   label=f"round {r + 1}" if len(rounds) > 1 else None)
        if bad:
            ax.scatter([t.params["lr"] for t in bad], [t.score for t in bad], marker="x", s=30,
                       color=DIVERGED_COLOR, label=None if any_bad else "diverged")
            any_bad = True
    ax.set_xscale("log")
    ax.set(xlabel="learning rate", ylabel="validation accuracy", ylim=(0, 1), title="Accuracy vs lr")
    if len(rounds) > 1 or ghost is not None or any_bad:
        ax.legend(fontsize=8, loc="upper left", frameon=True, framealpha=1.0)
    return ax


def draw_search_overview(rounds):
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1.6, 1]})
    draw_search_scatter(rounds, ax=a)
    draw_accuracy_vs_lr(rounds, ax=b)
    fig.tight_layout()
    return fig


def draw_best_curves(result, k=20, columns=5):
    """The book's figure: validation (solid) and training (dashed) accuracy of the ``k`` best trials."""
    best = result.best(k)
    rows = int(np.ceil(len(best) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(10, 1.75 * rows + 0.9), sharex=True, sharey=True)
    axes = np.atleast_2d(axes)
    for i, ax in enumerate(axes.flat):
        if i >= len(best):
            ax.axis("off")
            continue
        t = best[i]
        ax.plot(t.result["val_acc"], color=PALETTE[0], linewidth=1.4)
        ax.plot(t.result["train_acc"], color=PALETTE[1], linestyle="--", linewidth=1.0)
        ax.set_title(f"#{i + 1} val {t.score:.2f}\nlr {t.params['lr']:.1e} λ {t.params['weight_decay_lambda']:.0e}",
                     fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.grid(False)
        ax.tick_params(labelsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy", fontsize=9)
    for ax in axes[-1, :]:
        ax.set_xlabel("epoch", fontsize=9)
    fig.suptitle(f"The best {len(best)} of {len(result)} trials: validation (solid) and training "
                 "(dashed) accuracy per epoch", fontsize=11)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.08, top=0.87 if rows > 2 else 0.8,
                        hspace=0.8, wspace=0.12)
    return fig


def draw_val_vs_test(rounds, test_accs, chosen, n_val=100, n_test=1000):
    """Validation accuracy (x) against test accuracy (y) of every trial, with the diagonal.

    rounds : list of SearchResult; test_accs : list of arrays, one per round (trials' order);
    chosen : the Trial picked by validation, ringed, with +- one standard error bars.
    """
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    markers = ["o", "s", "^", "D", "v"]
    for r, (result, test) in enumerate(zip(rounds, test_accs)):
        ax.scatter(result.scores, test, s=18, marker=markers[r % len(markers)],
                   color=PALETTE[r % len(PALETTE)], alpha=0.8, label=f"round {r + 1}")
    ax.plot([0, 1], [0, 1], color="0.4", linestyle="--", linewidth=1, label="test = validation")
    chosen_test = None
    for result, test in zip(rounds, test_accs):
        for t, a in zip(result.trials, test):
            if t is chosen or (t.stage == chosen.stage and t.index == chosen.index):
                chosen_test = a
    ax.errorbar([chosen.score], [chosen_test], xerr=score_standard_error(chosen.score, n_val),
                yerr=score_standard_error(chosen_test, n_test), fmt="o", markersize=11,
                markerfacecolor="none", markeredgecolor="black", ecolor="black", capsize=3,
                label=f"chosen: val {chosen.score:.2f}, test {chosen_test:.3f}")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=f"validation accuracy ({n_val} images)",
           ylabel=f"test accuracy ({n_test} images)",
           title="Every trial, measured once on the test set")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="upper left", frameon=True, framealpha=1.0)
    fig.tight_layout()
    return fig


def draw_grid_vs_random(grid_result, random_result):
    """Two panels (grid, random): trial positions, and above them the important part's curve
    with the distinct values each search actually tried."""
    fig = plt.figure(figsize=(9.5, 4.2))
    outer = fig.add_gridspec(2, 2, height_ratios=[1, 2.2], hspace=0.08, wspace=0.25)
    xs = np.logspace(-3, 0, 300)
    for col, (result, name) in enumerate(((grid_result, "Grid search"), (random_result, "Random search"))):
        top = fig.add_subplot(outer[0, col])
        main = fig.add_subplot(outer[1, col], sharex=top)
        top.plot(xs, important_part(np.log10(xs)), color=PALETTE[2])
        xi = result.values("important")
        top.scatter(xi, important_part(np.log10(xi)), color=PALETTE[1], zorder=3, s=22)
        top.set_title(f"{name}: {len(np.unique(np.round(xi, 12)))} distinct values of the important one",
                      fontsize=10)
        top.set_ylabel("score", fontsize=9)
        top.tick_params(labelbottom=False, labelsize=8)
        main.scatter(xi, result.values("unimportant"), color=PALETTE[1], s=30)
        for v in np.unique(xi):
            main.axvline(v, color=PALETTE[1], alpha=0.15)
        main.set_xscale("log")
        main.set_yscale("log")
        main.set(xlabel="important hyperparameter", ylabel="unimportant hyperparameter")
        best = result.best_trial
        main.scatter([best.params["important"]], [best.params["unimportant"]], s=120, facecolors="none",
                     edgecolors="black", label=f"best: {best.score:.2f}")
        main.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.12)
    return fig


def draw_halving_vs_random(out, ax=None):
    """Validation accuracy against epochs: each halving configuration as a line through the
    rungs it reached, random search's trials at the full budget, both bests marked."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.5, 3.6))
        fig.subplots_adjust(left=0.07, right=0.6, bottom=0.15, top=0.9)
    halving, rand = out["halving"], out["random"]
    path = {}
    for rung in halving.rungs:
        for t in rung:
            path.setdefault(t.index, []).append((t.budget, t.score))
    for i, points in path.items():
        b, sc = zip(*points)
        ax.plot(b, sc, color=PALETTE[0], alpha=0.45, linewidth=1.0, marker="o", markersize=3,
                label="halving: one configuration per line" if i == min(path) else None)
    top = halving.budgets[-1]
    ax.scatter([top * 1.12] * len(rand), rand.scores, marker="x", color=PALETTE[1], s=30,
               label=f"random search: {len(rand)} trials x {top} epochs")
    hb, rb = halving.best_trial, rand.best_trial
    ax.scatter([top], [hb.score], s=140, facecolors="none", edgecolors="black", linewidths=1.4,
               label=f"best of halving {hb.score:.2f} ({out['halving_epochs']} epochs in all)")
    ax.scatter([top * 1.12], [rb.score], s=140, facecolors="none", edgecolors=PALETTE[1], linewidths=1.4,
               label=f"best of random {rb.score:.2f} ({out['random_epochs']} epochs in all)")
    ax.set_xscale("log")
    ax.set_xticks(halving.budgets)
    ax.set_xticklabels([str(b) for b in halving.budgets])
    ax.set(xlabel="epochs per trial (log scale)", ylabel="validation accuracy", ylim=(0, 1),
           title="Successive halving vs random search at equal compute")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=9,
              frameon=True, framealpha=1.0)   # outside, right: no line hides behind it
    return ax


class SearchRun(PlaygroundResult):
    """Playground result: the random search, the hand-picked trial and a summary line.

    ``diverged`` is True when the hand-picked run blew up; the message then says so.
    """

    def __init__(self, result, pick, epochs=None, kind="random"):
        self.result = result
        self.pick = pick
        self.epochs = epochs
        self.kind = kind
        self.diverged = bool(isinstance(pick.result, dict) and pick.result.get("diverged"))
        best = result.best_trial
        n_bad = len(_ok_and_diverged(result.trials)[1])
        summary = (f"{kind} search, {len(result)} trials x {epochs} epochs: best val acc {best.score:.2f} "
                   f"at lr {best.params['lr']:.1e}, λ {best.params['weight_decay_lambda']:.0e}"
                   + (f"; {n_bad} of them diverged (red crosses)" if n_bad else ""))
        if self.diverged:
            self.message = (f"{summary}; your pick diverged: at lr {pick.params['lr']:.1e} the loss blew "
                            "up (learning rate too large for this net and init); try a 3-10x smaller one")
        else:
            self.message = f"{summary}; your pick: {pick.score:.2f}"


def _playground_params(kind, ranges, n_trials, seed):
    """The trials' params: random draws (trial i as in random_search) or a k x k log grid."""
    if kind == "random":
        return [sample_space(trial_rng(seed, i), ranges) for i in range(n_trials)]
    k = max(2, int(round(math.sqrt(n_trials))))
    lrs = log_grid(*ranges["lr"], k)
    wds = log_grid(*ranges["weight_decay_lambda"], k)
    return [{"lr": lr, "weight_decay_lambda": wd} for lr in lrs for wd in wds]


def search_playground(lr_exponents=(-4.0, 0.0), wd_exponents=(-8.0, -4.0), n_trials=10, lr=0.01,
                      weight_init_std="he", dropout_ratio=0.0, epochs=6, search_kind="random", seed=0,
                      executor=None):
    """Search ranges, trials, epochs per trial, grid or random, and the three course knobs.

    Draws the scatter of validation accuracy over lr and weight decay, with the previous search
    as grey ghost dots. The learning-rate slider is "your pick": one extra run at that learning
    rate (weight decay at the middle of its range) shown as a star, to compare hand tuning with
    the search. Init and dropout apply to every trial. Grid mode runs a k x k log grid with
    k = round(sqrt(trials)). Trials run in parallel; the status line counts finished trials.
    While only "your pick" changes, the search is reused (an update is then one short run).
    """
    import ipywidgets as widgets
    from ..widgets import InitStdControl, Playground, dropout_slider, learning_rate_slider
    wide = widgets.Layout(width="420px")
    style = {"description_width": "130px"}
    controls = {
        "lr_exponents": widgets.FloatRangeSlider(value=lr_exponents, min=-7, max=1, step=0.5,
                                                 description="log10 lr range", continuous_update=False,
                                                 layout=wide, style=style),
        "wd_exponents": widgets.FloatRangeSlider(value=wd_exponents, min=-9, max=0, step=0.5,
                                                 description="log10 λ range", continuous_update=False,
                                                 layout=wide, style=style),
        "n_trials": widgets.IntSlider(value=n_trials, min=4, max=100, step=1, description="trials",
                                      continuous_update=False, layout=wide, style=style),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=20, step=1, description="epochs per trial",
                                    continuous_update=False, layout=wide, style=style),
        "search_kind": widgets.ToggleButtons(options=[("random", "random"), ("grid", "grid")],
                                             value=search_kind, description="search", style=style),
        "lr": learning_rate_slider(lr, min_exp=-6, max_exp=1, description="your pick: lr"),
        "weight_init_std": InitStdControl(weight_init_std, schemes=("he", "xavier")),
        "dropout_ratio": dropout_slider(dropout_ratio),
    }
    holder = {}

    def progress(done, total, best):
        pg = holder.get("pg")
        if pg is not None:
            pg.status.value = (f"<span style='color:#777'>trial {done} of {total} done, "
                               f"best val acc so far {best:.2f}…</span>")

    searched = {}  # the last search, reused while only "your pick" changes

    def compute(lr_exponents, wd_exponents, n_trials, epochs, search_kind, lr, weight_init_std,
                dropout_ratio):
        ranges = {"lr": (10.0 ** lr_exponents[0], 10.0 ** lr_exponents[1]),
                  "weight_decay_lambda": (10.0 ** wd_exponents[0], 10.0 ** wd_exponents[1])}
        fn = make_trial(epochs=epochs, weight_init_std=weight_init_std, dropout_ratio=dropout_ratio)
        key = (tuple(lr_exponents), tuple(wd_exponents), n_trials, epochs, search_kind, weight_init_std,
               dropout_ratio)
        if searched.get("key") != key:
            params = _playground_params(search_kind, ranges, n_trials, seed)
            trials = search.run_trials(fn, params, seed=seed, executor=executor, progress=False,
                                       callback=progress)
            searched.update(key=key, result=search.SearchResult(trials, search_kind, ranges))
        middle_wd = float(10 ** np.mean(wd_exponents))
        # the pick is one short run in this process, run as the trial after the search's last
        n = len(searched["result"])
        (pick,) = search.run_trials(fn, [{"lr": float(lr), "weight_decay_lambda": middle_wd}],
                                    seed=seed, indices=[n], executor="serial", progress=False)
        return SearchRun(searched["result"], pick, epochs, search_kind)

    def draw(run, values, previous=None):
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.1), gridspec_kw={"width_ratios": [1.6, 1]})
        ghost = previous.result if previous is not None and previous.result is not run.result else None
        kind = "grid" if run.kind == "grid" else "random search"
        draw_search_scatter([run.result], ax=a, pick=run.pick, ghost=ghost,
                            title=f"{kind}, {run.epochs} epochs per trial")
        draw_accuracy_vs_lr([run.result], ax=b, ghost=ghost)
        if previous is not None and previous.pick is not run.pick:
            b.scatter([previous.pick.params["lr"]], [previous.pick.score], marker="*", s=120,
                      color=GHOST_STYLE["color"], zorder=2)
        b.scatter([run.pick.params["lr"]], [run.pick.score], marker="*", s=160,
                  color=DIVERGED_COLOR if run.diverged else "#D55E00", zorder=3, label="your pick")
        b.legend(fontsize=8, loc="upper left", frameon=True, framealpha=1.0)
        # fixed margins: tight_layout would cost a third of an update
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.76, wspace=0.28)
        return fig

    holder["pg"] = None
    pg = Playground(controls, compute, draw,
                    title="Search playground: 400 train / 100 validation images, 784-50-50-10, SGD")
    holder["pg"] = pg
    return pg


def draw_anytime(out, ax=None):
    """Best validation score so far against epochs spent, halving and random search over paired seeds.

    out : dict of :func:`dlhelpers.experiments.search_demos.anytime_over_seeds`. Each seed is a
    faint step line; the mean over seeds is drawn bold with a band of +- one standard error.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 3.4))
    epochs = out["epochs"]
    n = len(out["seeds"])
    for i, (name, label) in enumerate((("random", "random search"), ("halving", "successive halving"))):
        curves = out[name]
        color = PALETTE[1] if name == "random" else PALETTE[0]
        for c in curves:
            ax.step(epochs, c, where="post", color=color, alpha=0.18, linewidth=0.8)
        defined = ~np.isnan(curves).any(axis=0)
        mean = np.nanmean(np.where(defined, curves, 0.0), axis=0)
        se = curves.std(axis=0, ddof=1) / math.sqrt(n)
        ax.step(epochs[defined], mean[defined], where="post", color=color, linewidth=2.0,
                label=f"{label}: mean of {n} seeds")
        ax.fill_between(epochs[defined], (mean - se)[defined], (mean + se)[defined], step="post",
                        color=color, alpha=0.2, linewidth=0)
    ax.set(xlabel="epochs spent so far (all trials together)", ylabel="best validation accuracy so far",
           ylim=(0, 1), xlim=(0, epochs[-1] + 1),
           title="Anytime performance at equal compute (band: ± one standard error)")
    ax.legend(loc="lower right", frameon=True, framealpha=1.0, fontsize=9)
    return ax
