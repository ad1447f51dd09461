"""Preprocess the UCI abalone data set for the built-in XGBoost algorithm.

Reads every CSV under /opt/ml/processing/input (no header: sex, 7 measurements, rings), one-hot encodes
`sex`, standardises the measurements and writes train/validation/test CSVs (70/15/15) with the target
(`rings`) in the first column and no header, which is what built-in XGBoost expects for text/csv.
The split uses a fixed seed so a rerun on the same data gives the same files.
"""
import argparse
import glob
import os

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

BASE = "/opt/ml/processing"
FEATURES = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]
COLUMNS = ["sex"] + FEATURES + ["rings"]


def read_input(input_dir):
    files = sorted(glob.glob(os.path.join(input_dir, "**", "*.csv"), recursive=True))
    if not files:
        raise SystemExit(f"No CSV file under {input_dir}: check the pipeline's InputData parameter")
    return pd.concat((pd.read_csv(f, header=None, names=COLUMNS) for f in files), ignore_index=True)


def transform(frame):
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore"))
    columns = ColumnTransformer([("num", numeric, FEATURES), ("cat", categorical, ["sex"])])
    features = columns.fit_transform(frame.drop(columns=["rings"]))
    if hasattr(features, "toarray"):
        features = features.toarray()
    return np.column_stack([frame["rings"].to_numpy(dtype=float), features])


def split(rows, seed, train_fraction=0.70, validation_fraction=0.15):
    rng = np.random.default_rng(seed)
    rows = rows[rng.permutation(len(rows))]
    train_end = int(train_fraction * len(rows))
    validation_end = int((train_fraction + validation_fraction) * len(rows))
    return rows[:train_end], rows[train_end:validation_end], rows[validation_end:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-dir", default=BASE)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rows = transform(read_input(os.path.join(args.base_dir, "input")))
    for name, part in zip(("train", "validation", "test"), split(rows, args.seed)):
        out_dir = os.path.join(args.base_dir, name)
        os.makedirs(out_dir, exist_ok=True)
        pd.DataFrame(part).to_csv(os.path.join(out_dir, f"{name}.csv"), header=False, index=False)
        print(f"{name}: {len(part)} rows")


if __name__ == "__main__":
    main()
