"""Run the example pipeline scripts locally, the way the SageMaker containers run them.

Needs Python 3 with pandas, scikit-learn and xgboost (the containers in Pulumi.<stack>.yaml ship
scikit-learn 1.2 and XGBoost 1.7; Debian bookworm's python3-sklearn / python3-xgboost match them).
Not part of `npm test`, whose machines need not have these libraries:

    python3 tests/infra/pipeline/scripts/local_run.py [abalone.csv]

Without an argument it synthesises an abalone-like data set. It runs preprocess.py, trains with the
built-in XGBoost algorithm's hyperparameters and saves the model as that container does (native format
in model.tar.gz), runs evaluate.py and checks evaluation.json has regression_metrics.mse.value.
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np
import pandas as pd
import xgboost

SCRIPTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../../infra/pipeline/scripts"))
HYPERPARAMETERS = {"objective": "reg:squarederror", "max_depth": 5, "eta": 0.2, "gamma": 4, "min_child_weight": 6, "subsample": 0.7}


def synthetic_abalone(path, rows=600, seed=7):
    rng = np.random.default_rng(seed)
    length = rng.uniform(0.1, 0.8, rows)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["M", "F", "I"], rows),
            "length": length,
            "diameter": length * 0.8 + rng.normal(0, 0.01, rows),
            "height": length * 0.25 + rng.normal(0, 0.01, rows),
            "whole_weight": length**3 * 3 + rng.normal(0, 0.02, rows),
            "shucked_weight": length**3 * 1.3,
            "viscera_weight": length**3 * 0.7,
            "shell_weight": length**3 * 0.9,
            "rings": np.round(length * 18 + rng.normal(0, 1.5, rows)).clip(1, 29),
        }
    )
    frame.to_csv(path, header=False, index=False)


def run(script, base):
    subprocess.run([sys.executable, os.path.join(SCRIPTS, script), "--base-dir", base], check=True)


def main():
    with tempfile.TemporaryDirectory() as base:
        os.makedirs(os.path.join(base, "input"))
        data = os.path.join(base, "input", "abalone.csv")
        if len(sys.argv) > 1:
            pd.read_csv(sys.argv[1], header=None).to_csv(data, header=False, index=False)
        else:
            synthetic_abalone(data)
        run("preprocess.py", base)

        train = pd.read_csv(os.path.join(base, "train", "train.csv"), header=None)
        validation = pd.read_csv(os.path.join(base, "validation", "validation.csv"), header=None)
        dtrain = xgboost.DMatrix(train.iloc[:, 1:], label=train.iloc[:, 0])
        dvalid = xgboost.DMatrix(validation.iloc[:, 1:], label=validation.iloc[:, 0])
        booster = xgboost.train(HYPERPARAMETERS, dtrain, num_boost_round=50, evals=[(dvalid, "validation")], verbose_eval=False)
        model_dir = os.path.join(base, "model")
        os.makedirs(model_dir)
        booster.save_model(os.path.join(base, "xgboost-model"))
        with tarfile.open(os.path.join(model_dir, "model.tar.gz"), "w:gz") as archive:
            archive.add(os.path.join(base, "xgboost-model"), arcname="xgboost-model")

        run("evaluate.py", base)
        with open(os.path.join(base, "evaluation", "evaluation.json")) as f:
            report = json.load(f)
        mse = report["regression_metrics"]["mse"]["value"]
        assert isinstance(mse, float) and mse >= 0, report
        print(f"OK: regression_metrics.mse.value = {mse:.3f}")


if __name__ == "__main__":
    main()
