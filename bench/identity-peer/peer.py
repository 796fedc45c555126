#!/usr/bin/env python3
"""Peer benchmark for record linkage: Splink (and optionally recordlinkage) run
with their own documented example settings on the public FEBRL and fake_1000
data sets, scored the same way as gapstream's TypeScript Fellegi-Sunter matcher.

stdout: JSON lines only, two per data set and tool ("scoring": "clusters" and
"scoring": "pairs"), or one line with "error". Everything else goes to stderr.

Truth is taken from the record ids (FEBRL: rec-N-org / rec-N-dup-K share N) or
the `cluster` column (fake_1000). Neither the FEBRL rec_id nor the fake_1000
cluster label is handed to the tools: each record gets an opaque row-number id,
and only the documented feature columns are passed in.

Usage: peer.py [--data DIR] [--datasets febrl1,febrl2,febrl3,febrl4,fake_1000]
               [--tools splink,recordlinkage]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

# --- keep stdout for the JSON lines only -----------------------------------
# Splink logs through `logging`, but DuckDB (C++) may write progress output to
# file descriptor 1 directly. Keep a private duplicate of the real stdout for
# results and point fd 1 (and sys.stdout) at stderr for everything else.
_RESULTS = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

import pandas as pd  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = Path(
    os.environ.get("GAPSTREAM_IDENTITY_DATA", REPO_ROOT.parent / "shared" / "data" / "identity")
)
ALL_DATASETS = ["febrl1", "febrl2", "febrl3", "febrl4", "fake_1000"]
FEBRL_COLUMNS = [
    "given_name", "surname", "street_number", "address_1", "address_2",
    "suburb", "postcode", "state", "date_of_birth", "soc_sec_id",
]
FAKE_COLUMNS = ["first_name", "surname", "dob", "city", "email"]

log = logging.getLogger("identity-peer")


def emit(obj: dict) -> None:
    _RESULTS.write(json.dumps(obj, separators=(",", ":")) + "\n")
    _RESULTS.flush()


def r4(x: float) -> float:
    return round(float(x), 4)


# --- data -------------------------------------------------------------------

def read_febrl(path: Path) -> pd.DataFrame:
    """One FEBRL file: all columns as strings (so dates/ids keep their digits
    and empty cells become null), header/values with the leading space removed."""
    df = pd.read_csv(path, skipinitialspace=True, dtype=str, keep_default_na=True)
    df.columns = [c.strip() for c in df.columns]
    for c in df.columns:
        df[c] = df[c].str.strip()
    # Truth entity from the record id; kept OUT of the frame given to the tools.
    entity = df["rec_id"].str.extract(r"^rec-(\d+)-", expand=False)
    if entity.isna().any():
        raise ValueError(f"{path}: rec_id without rec-N- prefix")
    return pd.DataFrame({c: df[c] for c in FEBRL_COLUMNS}).assign(_entity=entity.values)


def load(dataset: str, data_dir: Path) -> dict:
    """Returns {"link": bool, "frames": [features...], "truth": [entity arrays...]}.
    Feature frames carry an opaque integer `unique_id` (row number) and only
    the data columns; truth arrays are aligned with the rows."""
    if dataset.startswith("febrl") and dataset != "febrl4":
        n = dataset[-1]
        frames = [read_febrl(data_dir / "febrl" / f"dataset{n}.csv")]
        link = False
    elif dataset == "febrl4":
        frames = [read_febrl(data_dir / "febrl" / "dataset4a.csv"),
                  read_febrl(data_dir / "febrl" / "dataset4b.csv")]
        link = True
    elif dataset == "fake_1000":
        df = pd.read_csv(data_dir / "splink_datasets" / "fake_1000.csv", dtype=str)
        for c in FAKE_COLUMNS:
            df[c] = df[c].str.strip()
        frames = [pd.DataFrame({c: df[c] for c in FAKE_COLUMNS}).assign(_entity=df["cluster"].values)]
        link = False
    else:
        raise ValueError(f"unknown data set {dataset}")
    feats, truth = [], []
    for f in frames:
        truth.append(f["_entity"].to_numpy())
        g = f.drop(columns=["_entity"]).reset_index(drop=True)
        g.insert(0, "unique_id", range(len(g)))
        feats.append(g)
    return {"link": link, "frames": feats, "truth": truth}


# --- scoring ----------------------------------------------------------------

def c2(n: int) -> int:
    return n * (n - 1) // 2


def prf(tp: int, predicted: int, true: int) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / true if true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def true_pairs(data: dict) -> int:
    if data["link"]:
        a, b = Counter(data["truth"][0]), Counter(data["truth"][1])
        return sum(a[e] * b[e] for e in a)
    return sum(c2(n) for n in Counter(data["truth"][0]).values())


def score_clusters(data: dict, assignment: list[dict]) -> tuple[float, float, float]:
    """assignment: one {src, id, cluster} per record (records missing from it
    are singletons). Pairs implied by clusters vs true same-entity pairs; for a
    link job only cross-source pairs count."""
    n_sources = len(data["frames"])
    cluster_of = {}
    for row in assignment:
        cluster_of[(row["src"], row["id"])] = row["cluster"]
    # counts[(pred_cluster, src)] and cells[(pred_cluster, entity, src)]
    per_pred = Counter()
    per_cell = Counter()
    for src in range(n_sources):
        for i, ent in enumerate(data["truth"][src]):
            pc = cluster_of.get((src, i), ("singleton", src, i))
            per_pred[(pc, src)] += 1
            per_cell[(pc, ent, src)] += 1
    if data["link"]:
        preds = {k[0] for k in per_pred}
        predicted = sum(per_pred[(pc, 0)] * per_pred[(pc, 1)] for pc in preds)
        cells = {(k[0], k[1]) for k in per_cell}
        tp = sum(per_cell[(pc, e, 0)] * per_cell[(pc, e, 1)] for pc, e in cells)
    else:
        predicted = sum(c2(n) for n in per_pred.values())
        tp = sum(c2(n) for n in per_cell.values())
    return prf(tp, predicted, true_pairs(data))


def score_pairs(data: dict, pairs: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    """pairs: (src_l, id_l, src_r, id_r) predicted links above the threshold."""
    seen = set()
    tp = 0
    for sl, il, sr, ir in pairs:
        if data["link"] and sl == sr:
            continue
        key = tuple(sorted([(sl, il), (sr, ir)]))
        if key in seen:
            continue
        seen.add(key)
        if data["truth"][sl][il] == data["truth"][sr][ir]:
            tp += 1
    return prf(tp, len(seen), true_pairs(data))


def result_lines(tool, version, dataset, data, seconds, threshold, clusters, pairs, extra=None):
    records = sum(len(f) for f in data["frames"])
    t = true_pairs(data)
    out = []
    for scoring, (p, r, f) in (("clusters", score_clusters(data, clusters)),
                               ("pairs", score_pairs(data, pairs))):
        line = {"tool": tool, "version": version, "dataset": dataset, "records": records,
                "pairs_true": t, "precision": r4(p), "recall": r4(r), "f1": r4(f),
                "review": 0, "seconds": r4(seconds), "threshold": threshold,
                "scoring": scoring}
        if extra:
            line.update(extra)
        out.append(line)
    return out


# --- Splink -----------------------------------------------------------------
#
# Settings are Splink 4's own documented examples (docs/demos in
# github.com/moj-analytical-services/splink, Splink 4.0 docs site):
#   * febrl3  -> docs/demos/examples/duckdb/febrl3.ipynb  ("Deduplicating the febrl3 dataset")
#   * febrl4  -> docs/demos/examples/duckdb/febrl4.ipynb  ("Linking the febrl4 datasets",
#                the "detailed" model)
#   * fake_1000 -> docs/demos/tutorials/04_Estimating_model_parameters.ipynb (model +
#                training) and 05_Predicting_results.ipynb (predict + clustering)
# febrl1 / febrl2 have no Splink example of their own; they are deduplication
# files of the same generator and schema, so they reuse the febrl3 example as is.

SPLINK_PREDICT_THRESHOLD = 0.2  # every one of the three examples: predict(threshold_match_probability=0.2)
# The examples also pass no seed; a fixed seed only makes the u-sampling repeatable
# (the current master febrl3 example uses seed=2).
SPLINK_U_SEED = 2


def splink_febrl_dedupe(cl, block_on, SettingsCreator):
    # febrl3.ipynb: blocking rules, comparisons, deterministic rules (recall 0.9),
    # u by random sampling (max_pairs=1e6), EM on date_of_birth then on postcode.
    blocking_rules = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
    ]
    return {
        "settings": settings,
        "deterministic_rules": deterministic_rules,
        "recall": 0.9,
        "max_pairs": 1e6,
        "em": [(block_on("date_of_birth"), {}), (block_on("postcode"), {})],
        # febrl3.ipynb stops at predict(0.2) + accuracy charts and does not cluster;
        # use the clustering threshold of Splink's tutorial (05_Predicting_results:
        # cluster_pairwise_predictions_at_threshold(df_predictions, 0.5)).
        "cluster_threshold": 0.5,
        "cluster_threshold_source": "tutorial 05_Predicting_results (febrl3 example has no clustering step)",
    }


def splink_febrl4(cl, block_on, SettingsCreator):
    # febrl4.ipynb, "detailed_model_settings".
    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    return {
        "settings": settings,
        "deterministic_rules": deterministic_rules,
        "recall": 0.8,
        "max_pairs": 1e6,
        "em": [
            (block_on("date_of_birth"), {"estimate_without_term_frequencies": True}),
            (block_on("postcode"), {"estimate_without_term_frequencies": True}),
        ],
        # febrl4.ipynb: cluster_pairwise_predictions_at_threshold(predictions, 0.99)
        "cluster_threshold": 0.99,
        "cluster_threshold_source": "febrl4 example",
    }


def splink_fake_1000(cl, block_on, SettingsCreator):
    # tutorials 04_Estimating_model_parameters (settings, training) and
    # 05_Predicting_results (predict at 0.2, cluster at 0.5).
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("dob", 1),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "city"),
            block_on("surname"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    deterministic_rules = [
        block_on("first_name", "dob"),
        "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2",
        block_on("email"),
    ]
    return {
        "settings": settings,
        "deterministic_rules": deterministic_rules,
        "recall": 0.7,
        "max_pairs": 1e6,
        "em": [(block_on("first_name", "surname"), {}), (block_on("dob"), {})],
        "cluster_threshold": 0.5,
        "cluster_threshold_source": "tutorial 05_Predicting_results",
    }


def run_splink(dataset: str, data: dict) -> list[dict]:
    import splink
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    if dataset == "febrl4":
        spec = splink_febrl4(cl, block_on, SettingsCreator)
    elif dataset == "fake_1000":
        spec = splink_fake_1000(cl, block_on, SettingsCreator)
    else:
        spec = splink_febrl_dedupe(cl, block_on, SettingsCreator)
    threshold = spec["cluster_threshold"]
    aliases = ["a", "b"] if data["link"] else ["input"]
    frames = [f.copy() for f in data["frames"]]

    t0 = time.perf_counter()
    linker = Linker(
        frames if data["link"] else frames[0],
        spec["settings"],
        db_api=DuckDBAPI(),
        input_table_aliases=aliases if data["link"] else aliases[0],
    )
    linker.training.estimate_probability_two_random_records_match(
        spec["deterministic_rules"], recall=spec["recall"]
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=spec["max_pairs"], seed=SPLINK_U_SEED)
    for rule, kwargs in spec["em"]:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, **kwargs)
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    df_pred = predictions.as_pandas_dataframe()
    df_clusters = clusters.as_pandas_dataframe()
    seconds = time.perf_counter() - t0

    src_index = {a: i for i, a in enumerate(aliases)}

    def src(v) -> int:
        return src_index[v] if data["link"] else 0

    assignment = [
        {"src": src(row.source_dataset) if data["link"] else 0, "id": int(row.unique_id),
         "cluster": row.cluster_id}
        for row in df_clusters.itertuples(index=False)
    ]
    above = df_pred[df_pred["match_probability"] >= threshold]
    if data["link"]:
        pairs = list(zip(above["source_dataset_l"].map(src), above["unique_id_l"].astype(int),
                         above["source_dataset_r"].map(src), above["unique_id_r"].astype(int)))
    else:
        pairs = [(0, int(l), 0, int(r)) for l, r in zip(above["unique_id_l"], above["unique_id_r"])]
    log.info("splink %s: %d predictions >= %.2f, %d at >= %s, %.2fs (threshold from %s)",
             dataset, len(df_pred), SPLINK_PREDICT_THRESHOLD, len(above), threshold, seconds,
             spec["cluster_threshold_source"])
    return result_lines("splink", splink.__version__, dataset, data, seconds, threshold,
                        assignment, pairs)


# --- recordlinkage ----------------------------------------------------------
#
# recordlinkage's documented FEBRL pipeline, from its user guides
# (github.com/J535D165/recordlinkage, docs/guides/data_deduplication.rst on febrl1
# and docs/guides/link_two_dataframes.rst on febrl4): index by blocking on
# given_name; compare given_name (exact), surname (Jaro-Winkler, threshold 0.85),
# date_of_birth, suburb, state (exact) and address_1 (string, threshold 0.85).
# Those guides end with a hand rule (sum of agreements > 3); the Fellegi-Sunter
# counterpart documented in the same docs is the unsupervised ECM classifier
# (docs/guides/classifiers.rst: ECMClassifier(binarize=0.8).fit_predict(X)),
# which is what runs here. Its decision is the 0.5 match posterior, hence
# threshold 0.5. Clusters are the connected components of the predicted links.
# fake_1000 has no recordlinkage example: the same plan is mapped onto its
# columns (block on first_name; first_name exact, surname Jaro-Winkler 0.85,
# dob/city exact, email Jaro-Winkler 0.85) -- ours, not a documented setting.

def run_recordlinkage(dataset: str, data: dict) -> list[dict]:
    import recordlinkage

    t_src = data["frames"]
    if dataset == "fake_1000":
        plan = [("exact", "first_name"), ("jw", "surname"), ("exact", "dob"),
                ("exact", "city"), ("jw", "email")]
        block = "first_name"
    else:
        plan = [("exact", "given_name"), ("jw", "surname"), ("exact", "date_of_birth"),
                ("exact", "suburb"), ("exact", "state"), ("string", "address_1")]
        block = "given_name"
    frames = [f.set_index("unique_id") for f in t_src]

    t0 = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block(block)
    candidates = indexer.index(*frames)
    compare = recordlinkage.Compare()
    for kind, col in plan:
        if kind == "exact":
            compare.exact(col, col, label=col)
        elif kind == "jw":
            compare.string(col, col, method="jarowinkler", threshold=0.85, label=col)
        else:
            compare.string(col, col, threshold=0.85, label=col)
    features = compare.compute(candidates, *frames)
    ecm = recordlinkage.ECMClassifier(binarize=0.8)
    links = ecm.fit_predict(features)
    seconds_pairs = time.perf_counter() - t0
    # Clusters: connected components of the predicted links (same transitive
    # closure Splink's clustering does), timed as part of the run.
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = []
    for l, r in links:
        a, b = ((0, int(l)), (1, int(r))) if data["link"] else ((0, int(l)), (0, int(r)))
        pairs.append((a[0], a[1], b[0], b[1]))
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    assignment = [{"src": k[0], "id": k[1], "cluster": find(k)} for k in list(parent)]
    seconds = time.perf_counter() - t0
    log.info("recordlinkage %s: %d candidates, %d links, %.2fs (pairs %.2fs)",
             dataset, len(candidates), len(links), seconds, seconds_pairs)
    return result_lines("recordlinkage", recordlinkage.__version__, dataset, data, seconds,
                        0.5, assignment, pairs)


# --- main -------------------------------------------------------------------

TOOLS = {"splink": run_splink, "recordlinkage": run_recordlinkage}


def tool_version(tool: str) -> str:
    try:
        from importlib.metadata import version
        return version(tool)
    except Exception:
        return "unavailable"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--datasets", default=",".join(ALL_DATASETS))
    ap.add_argument("--tools", default="splink,recordlinkage")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    failures = 0
    for tool in [t for t in args.tools.split(",") if t]:
        for dataset in [d for d in args.datasets.split(",") if d]:
            log.info("=== %s on %s ===", tool, dataset)
            try:
                data = load(dataset, args.data)
                for line in TOOLS[tool](dataset, data):
                    emit(line)
            except Exception as e:  # one failing data set must not stop the others
                failures += 1
                traceback.print_exc(file=sys.stderr)
                emit({"tool": tool, "version": tool_version(tool), "dataset": dataset,
                      "error": f"{type(e).__name__}: {e}"})
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
